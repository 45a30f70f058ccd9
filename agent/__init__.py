"""cvpn-doctor: diagnose DNS on AWS Client VPN connections."""
__version__ = "0.1.0"
TOOL_NAME = "cvpn-doctor"
