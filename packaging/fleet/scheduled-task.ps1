# Example: a Windows scheduled task that runs cvpn-doctor for each signed-in user at logon and
# every hour, keeping (per user, in %LOCALAPPDATA%\cvpn-doctor):
#   last-report.json  the full JSON report of the last run
#   runs.jsonl        one compact JSON line per run (the --json-line record) for a log shipper
#   errors.log        what cvpn-doctor said on stderr
# Nothing is sent anywhere. Run this once, elevated; remove with
#   Unregister-ScheduledTask -TaskName cvpn-doctor -Confirm:$false
# It runs as the user (BUILTIN\Users, limited rights), so it finds the VPN client's logs in the
# user's profile; a console window may show for a moment at each run.
param([string]$Exe = "$env:ProgramFiles\cvpn-doctor\cvpn-doctor.exe")
$out = '%LOCALAPPDATA%\cvpn-doctor'
$cmd = "if not exist ""$out"" mkdir ""$out"" & ""$Exe"" diagnose --timeout 3 --json-line --force " +
       "--json-file ""$out\last-report.json"" >> ""$out\runs.jsonl"" 2>> ""$out\errors.log"""
$action = New-ScheduledTaskAction -Execute "$env:SystemRoot\System32\cmd.exe" -Argument "/d /c $cmd"
$triggers = @(
    New-ScheduledTaskTrigger -AtLogOn
    New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Hours 1)
)
$principal = New-ScheduledTaskPrincipal -GroupId 'S-1-5-32-545' -RunLevel Limited
$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit (New-TimeSpan -Minutes 2) -StartWhenAvailable `
    -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew
Register-ScheduledTask -TaskName 'cvpn-doctor' -Action $action -Trigger $triggers -Principal $principal `
    -Settings $settings -Description 'cvpn-doctor: DNS over AWS Client VPN, checked hourly (nothing is sent)' -Force
