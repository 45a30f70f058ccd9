r"""The PowerShell collection script, run once per diagnosis as
``<system dir>\WindowsPowerShell\v1.0\powershell.exe -NoProfile -NonInteractive -Command -``
with the script on stdin (the path is built by ``platforms.windows``).

Contract of its output (read by ``platforms.parsers.ps_document``, then the section readers of
``platforms.parsers.win_json``): one JSON object per line, pure ASCII, each with the marker
key ``cvpnDoctor`` (the format version, 2) and ``section``:

* ``header``        psVersion, edition, languageMode (FullLanguage, ConstrainedLanguage...),
  osVersion (from the registry: no .NET type is needed), errors;
* ``modules``       the modules imported explicitly (NetAdapter, NetTCPIP, DnsClient), errors;
* ``adapters``      Get-NetAdapter: ifIndex, InterfaceGuid, InterfaceDescription, Name,
  Status, MacAddress, MediaConnectionState, InterfaceOperationalStatus, InterfaceType;
* ``ipInterfaces``  Get-NetIPInterface (ActiveStore): InterfaceIndex, InterfaceAlias,
  AddressFamily, InterfaceMetric, AutomaticMetric, ConnectionState, NlMtu;
* ``ipAddresses``   Get-NetIPAddress (ActiveStore): InterfaceIndex, AddressFamily, IPAddress,
  PrefixLength;
* ``dnsServers``    Get-DnsClientServerAddress: InterfaceIndex, InterfaceAlias, AddressFamily,
  ServerAddresses;
* ``dnsClients``    Get-DnsClient: InterfaceIndex, ConnectionSpecificSuffix,
  ConnectionSpecificSuffixSearchList;
* ``dnsGlobal``     Get-DnsClientGlobalSetting: SuffixSearchList;
* ``routes``        Get-NetRoute (ActiveStore): DestinationPrefix, NextHop, InterfaceIndex,
  RouteMetric, AddressFamily;
* ``nrptPolicy``    Get-DnsClientNrptPolicy -Effective: Namespace, NameServers;
* ``routeLookups``  Find-NetRoute for each extra address, then each DNS server of a connected
  interface, at most MAX_ROUTE_LOOKUPS and within ROUTE_LOOKUP_BUDGET_S: Address,
  InterfaceIndex, SourceAddress, NextHop, DestinationPrefix, Error ("no route" when
  Find-NetRoute returned no route object); ``skipped`` lists the addresses left out;
* ``end``           the run finished.

A section line carries ``items`` or, when the section failed, ``error`` instead.

Why it is written this way:

* **One line per section, printed as soon as it is read**: a run stopped at its timeout
  (cold module caches, Group Policy checks and endpoint security make the first run on a
  corporate machine slow) keeps every section printed before the stop
  (``platforms.base.run_command`` keeps what it read), and the missing ``end`` says what was
  not captured.  The three modules are imported explicitly first, so the cost of loading
  them is paid (and reported) once, not inside the first section that needs them.
* **``-ErrorAction Stop`` on every cmdlet call**: ``$ErrorActionPreference`` set in this
  block does not reach the functions of the CDXML modules (Get-Net*, Get-DnsClient*,
  Find-NetRoute): module functions see their module's and the global preference, not the
  caller's scope (PowerShell/PowerShell#4568).  Without the parameter their errors are
  non-terminating, bypass the ``catch``, and a section comes back silently empty -- absent
  where it should be unknown.  The common parameter makes each error terminating
  (about_CommonParameters).
* **Pure ASCII**: Windows PowerShell 5.1's ConvertTo-Json leaves non-ASCII characters as
  they are (``-EscapeHandling`` arrived in PowerShell 6.2, PowerShell/PowerShell#7775), and
  the console output code page (cp932 on Japanese Windows, cp850 on German) would mangle
  localised adapter aliases.  ``Ascii`` turns every non-ASCII UTF-16 unit into a ``\uXXXX``
  escape, so the bytes are the same in every code page.  The console's code page is left
  as it was found: forcing ``[Console]::OutputEncoding`` fails under Constrained Language
  Mode (AppLocker/WDAC machines allow only a short list of .NET types --
  about_Language_Modes) and would change the user's console after we exit.  The script uses
  only types that list allows (string, int, char, datetime, ordered, hashtable).
* **Language mode reported**: ConstrainedLanguage tells a reader why a section may fail.
* **ActiveStore**: without ``-PolicyStore ActiveStore`` the Net* cmdlets may also list the
  PersistentStore (configuration copied to the active store at restart), so a persistent
  route that is not in force would be counted as active (Get-NetRoute: "-PolicyStore").
* **``-Effective``** NRPT: the rules the DNS client applies, which is what the trace calls them.
* **Arrays**: a script block's output is unrolled, so a calculated property written
  ``e={@($_.X)}`` still yields a bare string when X has one element; ``e={,@($_.X)}``
  (the unary comma wraps the array in a one-element array that the unrolling removes)
  keeps it an array.  Section items are collected with ``@(& $read)`` and passed to
  ``ConvertTo-Json -InputObject``, which keeps arrays as arrays.  Enums are cast to strings
  in the script, but the parser also accepts numbers (pasted cmdlet output, PowerShell #24386).
* **No ``-ExecutionPolicy Bypass``**: execution policy governs script files and
  configuration files, not commands read from stdin with ``-Command -``
  (about_Execution_Policies), and the flag is a classic endpoint-security trigger.
* **stdin shape**: the whole script is one ``& { ... }`` block with no blank line inside,
  followed by a blank line: with ``-Command -`` PowerShell reads stdin like an interactive
  prompt and runs a multi-line block only when a blank line ends it.
* **No stray output**: every statement either assigns or emits one line through ``Emit``,
  so nothing but marked lines reaches stdout (the reader skips anything else anyway).
"""
from __future__ import annotations

import ipaddress
from typing import Iterable

# powershell.exe's arguments (the absolute path of powershell.exe comes first; see
# platforms.windows.system_tools).
POWERSHELL_ARGS = ("-NoProfile", "-NonInteractive", "-Command", "-")
# Generous: a cold first run on a corporate machine (module load, Group Policy, AMSI scans)
# was measured in tens of seconds by users of similar tools; every section printed before a
# stop is kept, so the limit only bounds the wait.
POWERSHELL_TIMEOUT_S = 45.0
MAX_ROUTE_LOOKUPS = 16          # pushed/expected servers first, then the adapters' servers
ROUTE_LOOKUP_BUDGET_S = 10      # no new Find-NetRoute after this many seconds of lookups

_SCRIPT = r"""& {
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Extra = @(__EXTRA__)
$MaxLookups = __MAX_LOOKUPS__
$LookupBudget = __LOOKUP_BUDGET__
$got = @{}
function Ascii([string]$s) {
  if ($s -notmatch '[^\x00-\x7F]') { return $s }
  $out = foreach ($c in $s.ToCharArray()) { if ([int]$c -lt 128) { [string]$c } else { '\u{0:x4}' -f [int]$c } }
  return (-join $out)
}
function Emit($name, $fields) {
  $line = [ordered]@{ cvpnDoctor = 2; section = $name }
  foreach ($k in $fields.Keys) { $line[$k] = $fields[$k] }
  Ascii (ConvertTo-Json -ErrorAction Stop -InputObject $line -Depth 6 -Compress)
}
function Section($name, $read) {
  try {
    $items = @(& $read)
    $got[$name] = $items
    Emit $name @{ items = $items }
  } catch {
    Emit $name @{ error = "$($_.Exception.Message)" }
  }
}
$header = [ordered]@{ psVersion = "$($PSVersionTable.PSVersion)"; edition = "$($PSVersionTable.PSEdition)"; languageMode = "$($ExecutionContext.SessionState.LanguageMode)"; errors = @() }
try {
  $cv = Get-ItemProperty -ErrorAction Stop -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
  if ($null -ne $cv.CurrentMajorVersionNumber) { $ver = "$($cv.CurrentMajorVersionNumber).$($cv.CurrentMinorVersionNumber)" } else { $ver = "$($cv.CurrentVersion)" }
  $header['osVersion'] = "Microsoft Windows NT $ver.$($cv.CurrentBuild).$($cv.UBR)"
} catch {
  $header['errors'] += "osVersion: $($_.Exception.Message)"
}
Emit 'header' $header
$modules = @()
$moduleErrors = @()
foreach ($m in @('NetAdapter', 'NetTCPIP', 'DnsClient')) {
  try { Import-Module -ErrorAction Stop -Name $m; $modules += $m } catch { $moduleErrors += "${m}: $($_.Exception.Message)" }
}
Emit 'modules' @{ items = $modules; errors = $moduleErrors }
Section 'adapters' { Get-NetAdapter -ErrorAction Stop | Select-Object -ErrorAction Stop -Property ifIndex, @{n='InterfaceGuid';e={[string]$_.InterfaceGuid}}, InterfaceDescription, Name, @{n='Status';e={[string]$_.Status}}, MacAddress, @{n='MediaConnectionState';e={[string]$_.MediaConnectionState}}, @{n='InterfaceOperationalStatus';e={[int]$_.InterfaceOperationalStatus}}, @{n='InterfaceType';e={[int]$_.InterfaceType}} }
Section 'ipInterfaces' { Get-NetIPInterface -ErrorAction Stop -PolicyStore ActiveStore | Select-Object -ErrorAction Stop -Property InterfaceIndex, InterfaceAlias, @{n='AddressFamily';e={[string]$_.AddressFamily}}, InterfaceMetric, @{n='AutomaticMetric';e={[string]$_.AutomaticMetric}}, @{n='ConnectionState';e={[string]$_.ConnectionState}}, NlMtu }
Section 'ipAddresses' { Get-NetIPAddress -ErrorAction Stop -PolicyStore ActiveStore | Select-Object -ErrorAction Stop -Property InterfaceIndex, @{n='AddressFamily';e={[string]$_.AddressFamily}}, IPAddress, PrefixLength }
Section 'dnsServers' { Get-DnsClientServerAddress -ErrorAction Stop | Select-Object -ErrorAction Stop -Property InterfaceIndex, InterfaceAlias, @{n='AddressFamily';e={[string]$_.AddressFamily}}, @{n='ServerAddresses';e={,@($_.ServerAddresses)}} }
Section 'dnsClients' { Get-DnsClient -ErrorAction Stop | Select-Object -ErrorAction Stop -Property InterfaceIndex, ConnectionSpecificSuffix, @{n='ConnectionSpecificSuffixSearchList';e={,@($_.ConnectionSpecificSuffixSearchList)}} }
Section 'dnsGlobal' { Get-DnsClientGlobalSetting -ErrorAction Stop | Select-Object -ErrorAction Stop -Property @{n='SuffixSearchList';e={,@($_.SuffixSearchList)}} }
Section 'routes' { Get-NetRoute -ErrorAction Stop -PolicyStore ActiveStore | Select-Object -ErrorAction Stop -Property DestinationPrefix, NextHop, InterfaceIndex, RouteMetric, @{n='AddressFamily';e={[string]$_.AddressFamily}} }
Section 'nrptPolicy' { Get-DnsClientNrptPolicy -ErrorAction Stop -Effective | Select-Object -ErrorAction Stop -Property @{n='Namespace';e={,@($_.Namespace)}}, @{n='NameServers';e={,@($_.NameServers)}} }
try {
  $connected = $null
  if ($got.ContainsKey('ipInterfaces')) { $connected = @($got['ipInterfaces'] | Where-Object -ErrorAction Stop { $_.ConnectionState -eq 'Connected' } | ForEach-Object -ErrorAction Stop { $_.InterfaceIndex }) }
  $servers = @()
  if ($got.ContainsKey('dnsServers')) { $servers = @($got['dnsServers'] | Where-Object -ErrorAction Stop { $null -eq $connected -or $connected -contains $_.InterfaceIndex } | ForEach-Object -ErrorAction Stop { $_.ServerAddresses }) }
  $targets = @(@($Extra) + $servers | Where-Object -ErrorAction Stop { $_ -and "$_" -notlike 'fec0:0:0:ffff::*' } | Select-Object -ErrorAction Stop -Unique)
  $lookups = @()
  $skipped = @()
  $start = [datetime]::UtcNow
  foreach ($t in $targets) {
    if ($lookups.Count -ge $MaxLookups -or ([datetime]::UtcNow - $start).TotalSeconds -ge $LookupBudget) { $skipped += "$t"; continue }
    try {
      $found = @(Find-NetRoute -ErrorAction Stop -RemoteIPAddress $t)
      $addr = @($found | Where-Object -ErrorAction Stop { $null -ne $_.IPAddress }) | Select-Object -ErrorAction Stop -First 1
      $route = @($found | Where-Object -ErrorAction Stop { $null -ne $_.DestinationPrefix }) | Select-Object -ErrorAction Stop -First 1
      if ($null -eq $route) { $err = 'no route' } else { $err = $null }
      $lookups += [ordered]@{ Address = "$t"; InterfaceIndex = $route.InterfaceIndex; SourceAddress = "$($addr.IPAddress)"; NextHop = "$($route.NextHop)"; DestinationPrefix = "$($route.DestinationPrefix)"; Error = $err }
    } catch {
      $lookups += [ordered]@{ Address = "$t"; InterfaceIndex = $null; SourceAddress = $null; NextHop = $null; DestinationPrefix = $null; Error = "$($_.Exception.Message)" }
    }
  }
  Emit 'routeLookups' @{ items = $lookups; skipped = $skipped }
} catch {
  Emit 'routeLookups' @{ error = "$($_.Exception.Message)" }
}
Emit 'end' @{}
}

"""


def build_script(addresses: Iterable[str] = ()) -> str:
    """The script with the extra addresses to route-look-up (pushed or expected DNS servers).

    Only valid IP addresses are embedded, each as a quoted literal: nothing from outside
    can reach the script as code."""
    literals: list[str] = []
    for addr in addresses:
        try:
            ip = ipaddress.ip_address(str(addr).split("%", 1)[0].strip())
        except ValueError:
            continue
        literal = f"'{ip}'"
        if literal not in literals:
            literals.append(literal)
    return (_SCRIPT.replace("__EXTRA__", ", ".join(literals))
            .replace("__MAX_LOOKUPS__", str(MAX_ROUTE_LOOKUPS))
            .replace("__LOOKUP_BUDGET__", str(ROUTE_LOOKUP_BUDGET_S)))
