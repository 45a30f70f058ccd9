"""Parser for Windows ``ipconfig /all`` (and plain ``ipconfig``) output, in any display
language, as users paste it (pure).

``ipconfig`` is translated, so this parser recognises the layout by structure first and
by labels second:

* an adapter section starts with a header line ending in ``:`` and no dotted leader:
  ``Ethernet adapter Ethernet 2:``, ``Ethernet-Adapter WLAN:``, ``イーサネット アダプター
  イーサネット:``, ``以太网适配器 以太网:`` (the word for "adapter" after the type), or
  ``Adaptador de Ethernet Ethernet 2:``, ``Carte réseau sans fil Wi-Fi :``, ``Адаптер
  Ethernet Ethernet 2:`` (the word first, then the type).  The adapter's alias is what
  follows the type; a known localised type phrase is removed, an unknown one kept;
* a field line is ``<label> . . . . : <value>``: the separator is the first colon after a
  dotted leader (a label may hold a colon itself: ``Vínculo: dirección IPv6 local. . :``),
  else the first ``": "`` (``Verbindungsspezifisches DNS-Suffix: x``, no dots);
* a line that is only an address (or, after a search-list label, a domain) continues the
  previous field's list -- wherever it is indented: a paste often loses the indentation;
* values lose their state suffix (``(Preferred)``, ``(Bevorzugt)``, ``(優先)``, ``(首选)``).

Pastes are fragments: a header with no title, fields with no header (read as one adapter
with no name), a flush-left block, prompts, Markdown ``<pre>`` tags.  A line that cannot
be read (an unknown label in no known language, an address field holding ``***.***``) is
reported in ``unknown_labels`` / ``skipped``; it never discards the rest.

Known label languages (``KNOWN_LANGUAGES``): English, German, Japanese, Spanish, French,
Portuguese, Italian, Russian, Chinese (simplified and traditional), Korean, Polish,
Turkish, Dutch.  For any other language a structural fallback still finds the
essentials: a label containing ``DNS`` with an address value is a DNS-server list (a
domain value, the DNS suffix), ``IPv4``/``IPv6`` labels with address values are the
adapter's addresses, a gateway word in several scripts marks the default gateway, a
``xx-xx-xx-xx-xx-xx`` value is the MAC, a ``255.x.x.x`` value is the subnet mask.

The IPv6 link-local address carries the interface index as its zone id
(``fe80::1%16`` -> ifIndex 16): that is the only locale-free key ipconfig prints, and it
lets the adapter join ``route print`` rows and cmdlet output.
"""
from __future__ import annotations

import ipaddress
import re
from collections import Counter
from dataclasses import dataclass

from agent.serial import Record
from platforms.base import ParseError
from platforms.parsers.ps_format import is_noise

KNOWN_LANGUAGES = ("en", "de", "ja", "es", "fr", "pt", "it", "ru", "zh", "ko", "pl", "tr", "nl")

# Title lines ("Windows IP Configuration"), for recognition.
_TITLES = ("Windows IP Configuration", "Windows-IP-Konfiguration", "Windows IP 構成",
           "Configuration IP de Windows", "Configuración IP de Windows", "Configurazione IP di Windows",
           "Configuração de IP do Windows", "Configuracao de IP do Windows", "Windows IP 配置",
           "Windows IP 設定", "Windows IP 구성", "Настройка протокола IP для Windows",
           "Konfiguracja IP systemu Windows", "Windows IP Yapılandırması", "Windows IP-configuratie")

# Section headers.  Languages that put the word for "adapter" after the type:
_ADAPTER_AFTER = re.compile(
    r"^(?P<type>.*?)[\s-]*(?:adapter|Adapter|адаптер|アダプター|适配器|介面卡|網路卡|어댑터|bağdaştırıcısı|-kort)"
    r"\s+(?P<name>.+?)\s*:\s*$")
# ... and those that put it first ("Adaptador de Ethernet Ethernet 2:"):
_ADAPTER_FIRST = re.compile(
    r"^(?P<word>Adaptador|Adaptateur|Carte|Scheda|Адаптер|Karta|Placa)\s+(?P<rest>.+?)\s*:\s*$")
# type phrases after the word (longest first); what follows is the alias
_TYPE_PHRASES = tuple(sorted((
    "de LAN inalámbrica", "de Ethernet", "Ethernet", "desconocido", "de túnel", "PPP", "de Rede sem Fio",
    "de rede sem fio", "de Túnel", "Desconhecido", "réseau sans fil", "Tunnel", "tunnel", "inconnue", "inconnu",
    "LAN wireless", "sconosciuta", "беспроводной локальной сети", "туннельный", "неизвестный", "PPP-",
    "bezprzewodowej sieci LAN", "sieci bezprzewodowej", "tunelowa", "nieznana", "de red inalámbrica",
), key=len, reverse=True))
_ANNOTATION = re.compile(r":\s+(?://|# ).*$")        # "Adaptador Ethernet Ethernet: // Placa de Rede"

# label (normalised: lower case, dots/spaces trimmed) -> field key
_LABELS: dict[str, str] = {}


def _add(key: str, *labels: str) -> None:
    for label in labels:
        _LABELS[_norm_label(label)] = key


def _norm_label(label: str) -> str:
    return re.sub(r"[\s.]+", " ", label.replace("\u2019", "'")).strip(" .").lower()


_add("host_name", "Host Name", "Hostname", "ホスト名", "Nombre de host", "Nom de l'hôte", "Nome do host",
     "Nome host", "Имя компьютера", "主机名", "主機名稱", "호스트 이름", "Nazwa hosta", "Ana Bilgisayar Adı",
     "Hostnaam")
_add("primary_dns_suffix", "Primary Dns Suffix", "Primäres DNS-Suffix", "プライマリ DNS サフィックス",
     "Sufijo DNS principal", "Suffixe DNS principal", "Sufixo DNS primário", "Suffisso DNS primario",
     "Основной DNS-суффикс", "主 DNS 后缀", "主要 DNS 尾碼", "주 DNS 접미사", "Podstawowy sufiks DNS",
     "Birincil Dns Soneki", "Primair DNS-achtervoegsel")
_add("search_list", "DNS Suffix Search List", "DNS-Suffixsuchliste", "DNS サフィックス検索一覧",
     "Lista de búsqueda de sufijos DNS", "Liste de recherche du suffixe DNS", "Lista de pesquisa de sufixo DNS",
     "Elenco di ricerca suffissi DNS", "Порядок просмотра суффиксов DNS", "DNS 后缀搜索列表", "DNS 尾碼搜尋清單",
     "DNS 접미사 검색 목록", "Lista przeszukiwania sufiksów DNS", "DNS Soneki Arama Listesi",
     "Zoeklijst voor DNS-achtervoegsel")
_add("media_state", "Media State", "Medienstatus", "メディアの状態", "Estado de los medios", "Statut du média",
     "Estado da mídia", "Stato supporto", "Состояние среды", "媒体状态", "媒體狀態", "미디어 상태", "Stan nośnika",
     "Medya Durumu", "Mediumstatus")
_add("suffix", "Connection-specific DNS Suffix", "Verbindungsspezifisches DNS-Suffix", "接続固有の DNS サフィックス",
     "Sufijo DNS específico para la conexión", "Suffixe DNS propre à la connexion", "Sufixo DNS específico de conexão",
     "Suffisso DNS specifico per connessione", "DNS-суффикс подключения", "连接特定的 DNS 后缀",
     "連線特定 DNS 尾碼", "연결별 DNS 접미사", "Sufiks DNS konkretnego połączenia", "Bağlantıya özgü DNS Soneki",
     "Verbindingsspec. DNS-achtervoegsel")
_add("suffix_search_list", "Connection-specific DNS Suffix Search List",
     "Verbindungsspezifische DNS-Suffixsuchliste", "接続固有の DNS サフィックス検索一覧",
     "Lista de búsqueda de sufijos DNS específicos de conexión", "连接特定的 DNS 后缀搜索列表")
_add("description", "Description", "Beschreibung", "説明", "Descripción", "Descrição", "Descrizione", "Описание",
     "描述", "描述 ", "설명", "Opis", "Açıklama", "Beschrijving")
_add("mac", "Physical Address", "Physische Adresse", "物理アドレス", "Dirección física", "Adresse physique",
     "Endereço Físico", "Indirizzo fisico", "Физический адрес", "物理地址", "實體位址", "물리적 주소",
     "Adres fizyczny", "Fiziksel Adres", "Fysiek adres")
_add("dhcp", "DHCP Enabled", "DHCP aktiviert", "DHCP 有効", "DHCP habilitado", "DHCP activé", "DHCP Habilitado",
     "DHCP abilitato", "DHCP включен", "DHCP 已启用", "DHCP 已啟用", "DHCP 사용", "DHCP włączone",
     "DHCP Etkin", "DHCP ingeschakeld")
_add("ipv6", "IPv6 Address", "IPv6-Adresse", "IPv6 アドレス", "Dirección IPv6", "Adresse IPv6", "Endereço IPv6",
     "Indirizzo IPv6", "IPv6-адрес", "IPv6 地址", "IPv6 位址", "IPv6 주소", "Adres IPv6", "IPv6 Adresi",
     "IPv6-adres",
     "Temporary IPv6 Address", "Temporäre IPv6-Adresse", "一時 IPv6 アドレス", "Dirección IPv6 temporal",
     "Adresse IPv6 temporaire", "Endereço IPv6 Temporário", "Indirizzo IPv6 temporaneo", "Временный IPv6-адрес",
     "临时 IPv6 地址", "臨時 IPv6 位址", "임시 IPv6 주소", "Tymczasowy adres IPv6", "Geçici IPv6 Adresi",
     "Tijdelijk IPv6-adres",
     "Link-local IPv6 Address", "Verbindungslokale IPv6-Adresse", "リンクローカル IPv6 アドレス",
     "Vínculo: dirección IPv6 local", "Adresse IPv6 de liaison locale", "Endereço IPv6 de link local",
     "Indirizzo IPv6 locale rispetto al collegamento", "Локальный IPv6-адрес канала", "本地链接 IPv6 地址",
     "連結-本機 IPv6 位址", "링크-로컬 IPv6 주소", "Adres IPv6 połączenia lokalnego", "Bağlantı Yerel IPv6 Adresi",
     "Link-local IPv6-adres")
_add("ipv4", "IPv4 Address", "IPv4-Adresse", "IPv4 アドレス", "Dirección IPv4", "Adresse IPv4", "Endereço IPv4",
     "Indirizzo IPv4", "IPv4-адрес", "IPv4 地址", "IPv4 位址", "IPv4 주소", "Adres IPv4", "IPv4 Adresi",
     "IPv4-adres", "IP Address", "IP-Adresse",
     "Autoconfiguration IPv4 Address", "IPv4-Adresse (Auto. Konfiguration)", "自動構成 IPv4 アドレス",
     "Dirección IPv4 de configuración automática", "Adresse d'autoconfiguration IPv4",
     "Endereço IPv4 de Configuração Automática", "Indirizzo IPv4 configurazione automatica",
     "Автонастройка IPv4-адреса", "自动配置 IPv4 地址", "자동 구성 IPv4 주소")
_add("mask", "Subnet Mask", "Subnetzmaske", "サブネット マスク", "Máscara de subred", "Masque de sous-réseau",
     "Máscara de Sub-rede", "Subnet mask", "Маска подсети", "子网掩码", "子網路遮罩", "서브넷 마스크",
     "Maska podsieci", "Alt Ağ Maskesi", "Subnetmasker")
_add("gateway", "Default Gateway", "Standardgateway", "デフォルト ゲートウェイ", "Puerta de enlace predeterminada",
     "Passerelle par défaut", "Gateway Padrão", "Gateway predefinito", "Основной шлюз", "默认网关", "預設閘道",
     "기본 게이트웨이", "Brama domyślna", "Varsayılan Ağ Geçidi", "Standaardgateway")
_add("dhcp_server", "DHCP Server", "DHCP-Server", "DHCP サーバー", "Servidor DHCP", "Serveur DHCP", "Server DHCP",
     "DHCP-сервер", "DHCP 服务器", "DHCP 伺服器", "DHCP 서버", "Serwer DHCP", "DHCP Sunucusu", "DHCP-server")
_add("dns_servers", "DNS Servers", "DNS-Server", "DNS サーバー", "Servidores DNS", "Serveurs DNS", "Server DNS",
     "DNS-серверы", "DNS 服务器", "DNS 伺服器", "DNS 서버", "Serwery DNS", "DNS Sunucuları", "DNS-servers",
     "Servidor DNS")
# Understood but not needed: listed so that `unknown_labels` only shows real surprises.
_add("ignore", "Node Type", "Knotentyp", "ノード タイプ", "IP Routing Enabled", "IP-Routing aktiviert",
     "IP ルーティング有効", "WINS Proxy Enabled", "WINS-Proxy aktiviert", "WINS プロキシ有効",
     "Autoconfiguration Enabled", "Autokonfiguration aktiviert", "自動構成有効",
     "Lease Obtained", "Lease erhalten", "リース取得", "Lease Expires", "Lease läuft ab", "リースの有効期限",
     "DHCPv6 IAID", "DHCPv6-IAID", "DHCPv6 Client DUID", "DHCPv6-Client-DUID", "DHCPv6 クライアント DUID",
     "NetBIOS over Tcpip", "NetBIOS über TCP/IP", "NetBIOS over TCP/IP",
     "Primary WINS Server", "Primärer WINS-Server", "プライマリ WINS サーバー",
     "Secondary WINS Server", "Sekundärer WINS-Server", "セカンダリ WINS サーバー",
     # es
     "Tipo de nodo", "Enrutamiento IP habilitado", "Proxy WINS habilitado", "Configuración automática habilitada",
     "Concesión obtenida", "La concesión expira", "IAID DHCPv6", "DUID de cliente DHCPv6", "NetBIOS sobre TCP/IP",
     # fr
     "Type de noeud", "Type de nœud", "Routage IP activé", "Proxy WINS activé", "Configuration automatique activée",
     "Bail obtenu", "Bail expirant", "DUID de client DHCPv6", "NetBIOS sur Tcpip",
     # pt
     "Tipo de nó", "Roteamento de IP ativado", "Proxy WINS ativado", "Configuração Automática Habilitada",
     "Concessão Obtida", "Concessão Expira", "IAID de DHCPv6", "DUID de Cliente DHCPv6", "NetBIOS em Tcpip",
     # it
     "Tipo nodo", "Routing IP abilitato", "Proxy WINS abilitato", "Configurazione automatica abilitata",
     "Lease ottenuto", "Scadenza lease", "DUID Client DHCPv6", "NetBIOS su TCP/IP",
     # ru
     "Тип узла", "IP-маршрутизация включена", "WINS-прокси включен", "Автонастройка включена", "Аренда получена",
     "Срок аренды истекает", "DUID клиента DHCPv6", "NetBios через TCP/IP",
     # zh
     "节点类型", "IP 路由已启用", "WINS 代理已启用", "自动配置已启用", "获得租约的时间", "租约过期的时间",
     "DHCPv6 客户端 DUID", "TCPIP 上的 NetBIOS",
     # ko
     "노드 유형", "IP 라우팅 사용", "WINS 프록시 사용", "자동 구성 사용", "임대 시작 날짜", "임대 만료 날짜",
     "DHCPv6 클라이언트 DUID", "Tcpip를 통한 NetBIOS")

# Values meaning "media disconnected" (the label may be unknown; the value is distinctive).
_DISCONNECTED = ("media disconnected", "medium getrennt", "メディアは接続されていません",
                 "média déconnecté", "medios desconectados", "mídia desconectada", "supporto disconnesso",
                 "среда передачи недоступна", "媒体已断开", "媒体已断开连接", "媒體已中斷連線", "미디어 연결 끊김",
                 "nośnik odłączony", "medya bağlantısı kesildi", "medium niet aangesloten")
_YES = ("yes", "ja", "はい", "oui", "sí", "si", "sim", "да", "是", "예", "tak", "evet")
# Gateway label words for the structural fallback (a label we do not know, an address value).
_GATEWAY_WORDS = ("gateway", "passerelle", "puerta de enlace", "шлюз", "网关", "閘道", "ゲートウェイ", "게이트웨이",
                  "brama", "ağ geçidi")

_STATE_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5,7}$")
# the separator after a dotted leader: "Label . . . :", "Label. . .:", "Label  . :"
_LEADER_COLON = re.compile(r"\.[ .]{0,80}?:(?=[ \t]|$)")
_PLAIN_COLON = re.compile(r":(?=[ \t]|$)")
_DOTTED = re.compile(r"(?:\. ){2,}|\.{2,}:|\. :")
_DOMAIN = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?$")
_LIST_KEYS = ("dns_servers", "gateway", "search_list", "suffix_search_list", "ipv4", "ipv6", "mask")
_ADDRESS_KEYS = ("ipv4", "ipv6", "mask", "gateway", "dns_servers", "dhcp_server")
_ADAPTER_KEYS = ("media_state", "suffix", "suffix_search_list", "description", "mac", "dhcp", "ipv6", "ipv4", "mask",
                 "gateway", "dhcp_server", "dns_servers")
MAX_LINE = 1000      # longer lines are not ipconfig lines (bounded regex work)
_ALL_ONLY = ("host_name", "description", "mac", "dhcp", "dns_servers", "dhcp_server", "primary_dns_suffix")


@dataclass(frozen=True, slots=True)
class IpconfigAdapter(Record):
    name: str                         # the alias (user-visible, localised, editable); "" for a header-less fragment
    type_label: str = ""              # "Ethernet", "Wireless LAN", "イーサネット", "PPP", ... (as printed)
    description: str | None = None    # the driver description (locale-free)
    mac: str | None = None
    media_disconnected: bool = False
    dhcp_enabled: bool | None = None
    suffix: str | None = None         # connection-specific DNS suffix
    suffix_search_list: tuple[str, ...] = ()
    ipv4: tuple[str, ...] = ()        # "10.0.0.2/24" (prefix from the subnet mask when printed)
    ipv6: tuple[str, ...] = ()        # "fe80::1%16" as printed, state suffix removed
    gateways: tuple[str, ...] = ()
    dns_servers: tuple[str, ...] = ()
    dhcp_server: str | None = None
    index: int | None = None          # from the link-local zone id, when printed


@dataclass(frozen=True, slots=True)
class IpconfigResult(Record):
    host_name: str | None = None
    primary_dns_suffix: str | None = None
    search_list: tuple[str, ...] = ()
    adapters: tuple[IpconfigAdapter, ...] = ()
    unknown_labels: tuple[str, ...] = ()   # labels not understood (an unknown language shows here)
    skipped: tuple[str, ...] = ()          # lines that could not be read ("line 12: ...")
    detailed: bool = False                 # ipconfig /all (descriptions, DNS servers); plain ipconfig
                                           # shows no DNS servers: their absence there proves nothing


def _split_field(line: str) -> tuple[str, str] | None:
    """``(label, value)`` of a field line, or None."""
    body = line.strip()
    if len(body) > MAX_LINE or not body:
        return None
    m = _LEADER_COLON.search(body)
    if m is None:
        m = _PLAIN_COLON.search(body)
        if m is None or m.start() == 0:
            return None
    label = body[:m.start()].rstrip(" .")
    if not label:
        return None
    return label, body[m.end():].strip()


def _header(line: str) -> tuple[str, str] | None:
    """``(alias, type)`` when ``line`` is an adapter section header by its words."""
    body = _ANNOTATION.sub(":", line.strip()).strip()
    if not body.endswith(":") or len(body) > 300 or _DOTTED.search(body):
        return None
    m = _ADAPTER_AFTER.match(body)
    if m and m.group("name").strip():
        return m.group("name").strip(), m.group("type").strip(" -")
    m = _ADAPTER_FIRST.match(body)
    if m:
        rest = m.group("rest").strip()
        for phrase in _TYPE_PHRASES:
            if rest.startswith(phrase + " ") and len(rest) > len(phrase) + 1:
                return rest[len(phrase):].strip(), phrase
        return rest, ""
    return None


def looks_like(text: str) -> bool:
    """True when ``text`` looks like ``ipconfig`` output (any language), a fragment included."""
    if not text:
        return False
    head = text[:20000]
    if any(title in head for title in _TITLES):
        return True
    dotted = known = headers = continued = 0
    after_address = False       # the previous line was a known field holding an address (or its continuation)
    for line in head.splitlines()[:2000]:
        if len(line) > MAX_LINE:
            continue
        if _DOTTED.search(line) and ":" in line:
            dotted += 1
            field = _split_field(line)
            key = _LABELS.get(_norm_label(field[0])) if field else None
            if key:
                known += 1
            after_address = bool(key in _ADDRESS_KEYS and field and _is_ip(_clean(field[1])))
        elif after_address and line[:1].isspace() and _is_ip(_clean(line)):
            continued += 1      # "Serveurs DNS . . . : 8.8.8.8" then "        8.8.4.4": ipconfig's value list
        else:
            after_address = False
            if _header(line):
                headers += 1
    return (dotted >= 3 and headers >= 1) or (known >= 2 and dotted >= 2) or (headers >= 1 and known >= 1) \
        or (known >= 1 and continued >= 1)


def is_fragment(text: str) -> bool:
    """A fragment of ``ipconfig`` output too small for :func:`looks_like`: at least one
    ``Label . . . : value`` line whose label is known and whose value is set, and no line
    that is anything but such a line, its continuation, or an elision.  Only for a text
    the poster says ``ipconfig`` printed."""
    fields = 0
    for line in text[:20000].splitlines()[:200]:
        s = line.strip()
        if not s or s in ("...", "…", "[...]"):
            continue
        field = _split_field(line) if _DOTTED.search(line) else None
        if field and _LABELS.get(_norm_label(field[0])) and field[1].strip():
            fields += 1
        elif not (fields and line[:1].isspace() and _is_ip(_clean(s))):
            return False
    return fields >= 1


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _clean(value: str) -> str:
    """Drop an address's state suffix ("(Preferred)", "(Bevorzugt)", "(優先)"); other values
    (descriptions such as "Bluetooth Device (Personal Area Network)") are kept whole."""
    value = value.strip()
    bare = _STATE_SUFFIX.sub("", value).strip()
    return bare if bare != value and _is_ip(bare) else value


def _mask_to_prefix(mask: str) -> int | None:
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None


def _classify(label: str, value: str) -> str | None:
    """The field key of a label, by the known labels or by the value's shape."""
    key = _LABELS.get(_norm_label(label))
    if key:
        return key
    # Structural fallback for labels in an unknown language.
    low = label.lower()
    if value and _is_ip(value):
        if any(w in low for w in _GATEWAY_WORDS):
            return "gateway"
        if "dns" in low:
            return "dns_servers"
        if "dhcp" in low:
            return "dhcp_server"
        if "ipv6" in low and ":" in value:
            return "ipv6"
        if "ipv4" in low and "." in value:
            return "ipv4"
        if value.startswith("255.") and "." in value:
            return "mask"
    if "dns" in low and value and _DOMAIN.match(value) and not _is_ip(value):
        return "suffix"
    if value and _MAC.match(value):
        return "mac"
    if value.lower() in _DISCONNECTED:
        return "media_state"
    return None


class _Builder:
    def __init__(self, name: str, type_label: str) -> None:
        self.name, self.type_label = name, type_label
        self.fields: dict[str, list[str]] = {}

    def add(self, key: str, value: str) -> None:
        self.fields.setdefault(key, [])
        if value:
            self.fields[key].append(value)

    def first(self, key: str) -> str | None:
        vals = self.fields.get(key) or []
        return vals[0] if vals else None

    def build(self) -> IpconfigAdapter:
        masks = [m for m in self.fields.get("mask", []) if _mask_to_prefix(m) is not None]
        ipv4: list[str] = []
        for i, addr in enumerate(a for a in self.fields.get("ipv4", []) if _is_ip(a) and "." in a):
            prefix = _mask_to_prefix(masks[i]) if i < len(masks) else None
            ipv4.append(f"{addr}/{prefix}" if prefix is not None else addr)
        ipv6 = tuple(a for a in self.fields.get("ipv6", []) if _is_ip(a) and ":" in a)
        index = None
        for addr in ipv6:
            base, _, zone = addr.partition("%")
            if zone.isdigit() and ipaddress.ip_address(base).is_link_local:
                index = int(zone)
                break
        media = (self.first("media_state") or "").lower()
        dhcp = self.first("dhcp")
        mac = self.first("mac")
        return IpconfigAdapter(
            name=self.name, type_label=self.type_label,
            description=self.first("description"),
            mac=mac if mac and _MAC.match(mac) else None,
            media_disconnected=bool(media) and (media in _DISCONNECTED or "disconnect" in media),
            dhcp_enabled=None if dhcp is None else dhcp.lower() in _YES,
            suffix=self.first("suffix"),
            suffix_search_list=tuple(self.fields.get("suffix_search_list", [])),
            ipv4=tuple(ipv4), ipv6=ipv6,
            gateways=tuple(g for g in self.fields.get("gateway", []) if _is_ip(g)),
            dns_servers=tuple(s for s in self.fields.get("dns_servers", []) if _is_ip(s)),
            dhcp_server=self.first("dhcp_server"),
            index=index,
        )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


_CODE_SPAN_INDENT = re.compile(r"^`( +)`")
_EMPHASIS = re.compile(r"^(\s*)(\*{1,2}|_{1,2})(\S.*?\S|\S)\2\s*$")


def _strip_markup(line: str) -> str:
    """Markup a page or a document export left around the text: <pre>/<mark>/<br> tags,
    indentation turned into a code span (`` `   ` ``), a line in *italics* or **bold**."""
    if "<" in line:
        line = re.sub(r"</?(?:pre|mark|b|code|br|span)\b[^>]{0,80}>", "", line)
    if line.startswith("`"):
        line = _CODE_SPAN_INDENT.sub(lambda m: m.group(1), line)
    if "*" in line or "_" in line:
        m = _EMPHASIS.match(line)
        if m:
            line = m.group(1) + m.group(3)
    return line


def _first(values: list[str] | None) -> str | None:
    """The first value of a global setting, None when it has none."""
    return values[0] if values else None


def parse(text: str) -> IpconfigResult:
    """Parse ``ipconfig /all`` (or plain ``ipconfig``) output, whole or a fragment.

    Raises ParseError when the text has neither an adapter section nor a known field."""
    if text is None or not text.strip():
        raise ParseError("ipconfig: empty output")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # The field indentation is the most common indentation of dotted-leader lines; headers
    # usually sit left of it (a paste may have moved them anywhere: recognised by words too).
    indents = Counter(_indent(l) for l in lines[:100000]
                      if len(l) <= MAX_LINE and l.strip() and _DOTTED.search(l) and _split_field(l))
    if not indents:
        raise ParseError("ipconfig: no 'label . . . : value' lines found")
    field_indent = indents.most_common(1)[0][0]

    glob: dict[str, list[str]] = {}
    adapters: list[_Builder] = []
    current: _Builder | None = None
    last_key: str | None = None
    unknown: list[str] = []
    skipped: list[str] = []
    for n, raw in enumerate(lines[:100000], 1):
        line = _strip_markup(raw).rstrip()
        if not line.strip() or len(line) > MAX_LINE:
            continue
        ind = _indent(line)
        stripped = line.strip()
        # a bare address (or a domain after a search-list label) continues the last list
        value = _clean(stripped)
        if last_key in _LIST_KEYS and (_is_ip(value) or (last_key in ("search_list", "suffix_search_list")
                                                         and _DOMAIN.match(value) and ind > field_indent)):
            (glob.setdefault(last_key, []) if current is None else current.fields.setdefault(last_key, [])).append(value)
            continue
        has_leader = bool(_DOTTED.search(line))
        head = None if has_leader else _header(line)
        body = _ANNOTATION.sub(":", stripped)
        if head is None and not has_leader and body.endswith(":") and ind < field_indent \
                and not _LABELS.get(_norm_label(body[:-1])):
            # a header in an unknown language, left of the fields (a known label with an empty
            # value and no dot leader, shifted left by a paste, is a field, not a header)
            head = (body[:-1].strip(), "")
        if head is not None:
            current = _Builder(*head)
            adapters.append(current)
            last_key = None
            continue
        field = _split_field(line)
        if field is None or (ind < field_indent and not has_leader):
            if current is not None and ind >= field_indent and not is_noise(line) and stripped not in ("...", "…"):
                skipped.append(f"line {n}: not a 'label . . . : value' line: {stripped[:80]!r}")
            last_key = None            # a title, a prompt or other noise
            continue
        label, value = field[0], _clean(field[1])
        key = _classify(label, value)
        if key is None:
            if has_leader and _norm_label(label) not in unknown:
                unknown.append(_norm_label(label))
            last_key = None
            continue
        if key == "ignore":
            last_key = None
            continue
        if key in _ADDRESS_KEYS and value and not _is_ip(value):
            skipped.append(f"line {n}: {label}: {value[:80]!r} is not an address")
            last_key = key
            continue
        last_key = key
        if current is None and key in _ADAPTER_KEYS:
            current = _Builder("", "")                 # fields with no header: a fragment of one adapter
            adapters.append(current)
        if current is None:
            glob.setdefault(key, [])
            if value:
                glob[key].append(value)
        else:
            current.add(key, value)
    if not adapters and not glob:
        raise ParseError("ipconfig: no adapter section or global setting found")
    host = _first(glob.get("host_name"))
    return IpconfigResult(
        host_name=host,
        primary_dns_suffix=_first(glob.get("primary_dns_suffix")),
        search_list=tuple(glob.get("search_list", [])),
        adapters=tuple(a.build() for a in adapters),
        unknown_labels=tuple(unknown),
        skipped=tuple(skipped),
        detailed=any(k in glob for k in _ALL_ONLY) or any(k in a.fields for a in adapters for k in _ALL_ONLY),
    )
