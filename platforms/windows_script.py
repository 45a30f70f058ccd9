"""The PowerShell collection script, run once per diagnosis as
``powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command -`` with the
script on stdin.

Contract of its output (one JSON document on stdout, parsed by
``platforms.parsers.win_json.parse``):

* ``cvpnDoctor`` (document version), ``psVersion``, ``osVersion``;
* ``adapters``      Get-NetAdapter: ifIndex, InterfaceGuid, InterfaceDescription, Name,
  Status, MacAddress, MediaConnectionState, InterfaceOperationalStatus, InterfaceType;
* ``ipInterfaces``  Get-NetIPInterface: InterfaceIndex, InterfaceAlias, AddressFamily,
  InterfaceMetric, AutomaticMetric, ConnectionState, NlMtu;
* ``ipAddresses``   Get-NetIPAddress: InterfaceIndex, AddressFamily, IPAddress, PrefixLength;
* ``dnsServers``    Get-DnsClientServerAddress: InterfaceIndex, InterfaceAlias, AddressFamily,
  ServerAddresses;
* ``dnsClients``    Get-DnsClient: InterfaceIndex, ConnectionSpecificSuffix,
  ConnectionSpecificSuffixSearchList;
* ``dnsGlobal``     Get-DnsClientGlobalSetting: SuffixSearchList;
* ``routes``        Get-NetRoute: DestinationPrefix, NextHop, InterfaceIndex, RouteMetric,
  AddressFamily;
* ``routeLookups``  Find-NetRoute for every DNS server found and every extra address:
  Address, InterfaceIndex, SourceAddress, NextHop, DestinationPrefix, Error;
* ``nrptPolicy``    Get-DnsClientNrptPolicy: Namespace, NameServers;
* ``errors``        one line per section that failed (the rest still comes out).

Why it is written this way:
* ``[Console]::OutputEncoding`` is forced to UTF-8, otherwise the OEM code page (cp932 on
  Japanese Windows) mangles adapter aliases;
* every section uses ``Select-Object`` with explicit properties (raw CIM objects
  serialise ``CimClass`` noise and hit the depth limit) and ``@()`` so a single item is
  still an array in PowerShell 5.1;
* enums are cast to strings in the script, but the parser accepts numbers too (pasted
  cmdlet output, PowerShell #24386);
* the whole script is one ``& { ... }`` block followed by a blank line: with
  ``-Command -`` PowerShell reads stdin like an interactive prompt and runs a multi-line
  block only when a blank line ends it;
* each section has its own try/catch, so one blocked cmdlet does not lose the others.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable

POWERSHELL_ARGV = ("powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", "-")
POWERSHELL_TIMEOUT_S = 15.0

_SCRIPT = r"""& {
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Extra = @(__EXTRA__)
$doc = [ordered]@{ cvpnDoctor = 1; psVersion = "$($PSVersionTable.PSVersion)"; osVersion = "$([Environment]::OSVersion.VersionString)"; errors = @() }
function Section($name, [scriptblock]$read) {
  try { $doc[$name] = @(& $read) } catch { $doc[$name] = @(); $doc.errors += "${name}: $($_.Exception.Message)" }
}
Section 'adapters' { Get-NetAdapter | Select-Object ifIndex, @{n='InterfaceGuid';e={[string]$_.InterfaceGuid}}, InterfaceDescription, Name, @{n='Status';e={[string]$_.Status}}, MacAddress, @{n='MediaConnectionState';e={[string]$_.MediaConnectionState}}, @{n='InterfaceOperationalStatus';e={[int]$_.InterfaceOperationalStatus}}, @{n='InterfaceType';e={[int]$_.InterfaceType}} }
Section 'ipInterfaces' { Get-NetIPInterface | Select-Object InterfaceIndex, InterfaceAlias, @{n='AddressFamily';e={[string]$_.AddressFamily}}, InterfaceMetric, @{n='AutomaticMetric';e={[string]$_.AutomaticMetric}}, @{n='ConnectionState';e={[string]$_.ConnectionState}}, NlMtu }
Section 'ipAddresses' { Get-NetIPAddress | Select-Object InterfaceIndex, @{n='AddressFamily';e={[string]$_.AddressFamily}}, IPAddress, PrefixLength }
Section 'dnsServers' { Get-DnsClientServerAddress | Select-Object InterfaceIndex, InterfaceAlias, @{n='AddressFamily';e={[string]$_.AddressFamily}}, @{n='ServerAddresses';e={@($_.ServerAddresses)}} }
Section 'dnsClients' { Get-DnsClient | Select-Object InterfaceIndex, ConnectionSpecificSuffix, @{n='ConnectionSpecificSuffixSearchList';e={@($_.ConnectionSpecificSuffixSearchList)}} }
Section 'dnsGlobal' { Get-DnsClientGlobalSetting | Select-Object @{n='SuffixSearchList';e={@($_.SuffixSearchList)}} }
Section 'routes' { Get-NetRoute | Select-Object DestinationPrefix, NextHop, InterfaceIndex, RouteMetric, @{n='AddressFamily';e={[string]$_.AddressFamily}} }
Section 'nrptPolicy' { Get-DnsClientNrptPolicy | Select-Object @{n='Namespace';e={@($_.Namespace)}}, @{n='NameServers';e={@($_.NameServers)}} }
$targets = @($doc['dnsServers'] | ForEach-Object { $_.ServerAddresses }) + $Extra | Where-Object { $_ -and $_ -notlike 'fec0:0:0:ffff::*' } | Select-Object -Unique
$lookups = @()
foreach ($t in $targets) {
  try {
    $found = @(Find-NetRoute -RemoteIPAddress $t)
    $addr = $found | Where-Object { $_.PSObject.Properties['IPAddress'] } | Select-Object -First 1
    $route = $found | Where-Object { $_.PSObject.Properties['DestinationPrefix'] } | Select-Object -First 1
    $lookups += [ordered]@{ Address = "$t"; InterfaceIndex = $route.InterfaceIndex; SourceAddress = "$($addr.IPAddress)"; NextHop = "$($route.NextHop)"; DestinationPrefix = "$($route.DestinationPrefix)"; Error = $null }
  } catch {
    $lookups += [ordered]@{ Address = "$t"; InterfaceIndex = $null; SourceAddress = $null; NextHop = $null; DestinationPrefix = $null; Error = "$($_.Exception.Message)" }
  }
}
$doc['routeLookups'] = $lookups
ConvertTo-Json -InputObject $doc -Depth 4 -Compress
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
    return _SCRIPT.replace("__EXTRA__", ", ".join(literals))
