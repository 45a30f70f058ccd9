# cvpn-doctor: Intune Remediations *detection* script (no remediation script is needed).
# Runs the installed cvpn-doctor once, keeps the JSON report at
#   %ProgramData%\cvpn-doctor\last-report.json
# and prints its one-line summary (the --json-line record: verdict, scenario, codes, versions,
# endpoint, region; no user name, address or domain), which Intune shows as the detection output.
# Exit 0 ("without issues"): cvpn-doctor found no error, or the VPN is not connected right now.
# Exit 1 ("with issues"): an error-severity finding, "cannot tell", no data, or no cvpn-doctor.
# Settings: run with the logged-on credentials = Yes (the VPN client's logs are in the user's
# profile), 64-bit PowerShell = Yes. Sends nothing itself: Intune uploads the printed line.
$exe = if ($env:CVPN_DOCTOR_EXE) { $env:CVPN_DOCTOR_EXE } else { "$env:ProgramFiles\cvpn-doctor\cvpn-doctor.exe" }
$dir = if ($env:CVPN_DOCTOR_DIR) { $env:CVPN_DOCTOR_DIR } else { "$env:ProgramData\cvpn-doctor" }
$extra = @(if ($env:CVPN_DOCTOR_ARGS) { $env:CVPN_DOCTOR_ARGS -split '\s+' })
if (-not (Test-Path -LiteralPath $exe)) { Write-Output "cvpn-doctor not installed at $exe"; exit 1 }
New-Item -ItemType Directory -Force -Path $dir | Out-Null
$line = & $exe diagnose --timeout 3 --json-line --force --json-file "$dir\last-report.json" @extra 2>$null | Select-Object -Last 1
$code = $LASTEXITCODE
Write-Output $(if ($line) { $line } else { "cvpn-doctor exit $code, no report" })
if ($code -eq 0 -or "$line" -match '"verdict":"not-connected"') { exit 0 } else { exit 1 }
