"""Configuration: one TOML file, named profiles, environment overrides; the one place paths come from.

Lookup order for the file: ``--config PATH``, then ``$KGP_TUI_CONFIG``, then ``<user config dir>/config.toml``.
Lookup order for the connection: the chosen profile (``--profile``, ``$KGP_TUI_PROFILE``, ``default_profile``),
then ``$KGP_BASE_URL`` / ``$KGP_API_KEY`` on top, as KPainter's own docs use them.

Nothing here imports Textual or httpx: the CLI reads config for ``--help``, ``locate`` and error exits cheaply.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

APP_NAME = "kgp-tui"
DEFAULT_BASE_URL = "https://api.kpainter.ai/openapi/v1"
DEFAULT_PROFILE = "default"
DEFAULT_THEME = "textual-dark"

# Global settings: name -> (type, default, (min, max) or None).
SETTINGS: dict[str, tuple[type, Any, tuple[float, float] | None]] = {
    "default_profile": (str, DEFAULT_PROFILE, None),
    "poll_interval": (float, 3.0, (0.05, 3600.0)),
    "request_timeout": (float, 30.0, (0.5, 600.0)),
    "requests_per_second": (float, 10.0, (0.1, 1000.0)),
    "theme": (str, DEFAULT_THEME, None),
    "allow_insecure_http": (bool, False, None),
    "surface": (str, "auto", None),
    "notify": (str, "auto", None),
    "notify_command": (list, None, None),
    "download_dir": (str, "", None),  # "": the platform's downloads folder + kgp-tui (downloads_root)
}
SURFACES = ("auto", "v1", "unified")  # which KPainter API to speak; auto finds out at connect
NOTIFY_MODES = ("auto", "bell", "osc", "off")  # kgp_tui.notify says what each does
PROFILE_KEYS = {"base_url": str, "api_key": str, "allow_insecure_http": bool}


class ConfigError(Exception):
    """A problem with the configuration, phrased as one line: ``file:line: what is wrong``."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(f"{where}{message}")


@dataclass(frozen=True)
class AppPaths:
    config_file: Path
    data_dir: Path
    log_dir: Path
    cache_dir: Path  # what can be fetched again (previews): never the only copy of anything

    @property
    def log_file(self) -> Path:
        return self.log_dir / "kgp-tui.log"


def app_paths(
    config_override: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> AppPaths:
    """Where kgp-tui keeps its files (platformdirs), honouring ``--config`` and ``$KGP_TUI_CONFIG``."""
    import platformdirs

    env = os.environ if env is None else env
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    override = config_override or env.get("KGP_TUI_CONFIG") or None
    config_file = Path(override).expanduser() if override else Path(dirs.user_config_dir) / "config.toml"
    return AppPaths(config_file=config_file, data_dir=Path(dirs.user_data_dir), log_dir=Path(dirs.user_log_dir),
                    cache_dir=Path(dirs.user_cache_dir))


PRIVATE_DIR_MODE = 0o700  # kgp-tui's folders and files hold prompts, creations and keys: the user's eyes only
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Make `path` (and parents) and leave kgp-tui's own folders in it 0700, also ones made looser before.

    kgp-tui's own: `path`, or `path` and its parent, when that one is named kgp-tui (``~/.local/state/kgp-tui/log``);
    else `path` alone when kgp-tui made it now. Never a folder of the user's such as ``~/.config``.
    """
    created = not path.is_dir()
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    chain: list[Path] = []
    for folder in (path, path.parent):
        chain.append(folder)
        if folder.name == APP_NAME:
            break
    else:
        chain = [path] if created else []
    for folder in chain:
        _tighten(folder, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> None:
    """Create `path` empty if it is missing, and leave it 0600 (a file kgp-tui writes is the user's alone)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE))
    _tighten(path, PRIVATE_FILE_MODE)


def tighten_file(path: Path) -> None:
    """Leave an existing file of kgp-tui's 0600; a missing one is no error."""
    if path.exists():
        _tighten(path, PRIVATE_FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    if os.name != "posix":
        return
    try:
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except OSError:  # not ours to change (another owner): the files inside are still 0600
        pass


def downloads_root(config: Any = None) -> Path:
    """Where downloads go, a folder per creation below it: `download_dir`, else the platform's downloads folder."""
    import platformdirs

    chosen = str(getattr(config, "download_dir", "") or "").strip()
    return Path(chosen).expanduser() if chosen else Path(platformdirs.user_downloads_dir()) / APP_NAME


def is_loopback_host(host: str) -> bool:
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """Return the URL without a trailing slash, or raise ValueError saying what is wrong with it."""
    url = url.strip()
    if not url:
        raise ValueError("the base URL is empty")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL like {DEFAULT_BASE_URL}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ValueError(f"{url!r} has an invalid port") from None
    if parts.scheme == "http" and not is_loopback_host(parts.hostname) and not allow_insecure_http:
        raise ValueError(
            f"{url!r} uses plain http to a non-loopback host, which would send the API key in clear text; "
            "use https, or set allow_insecure_http = true if you really mean it"
        )
    return url.rstrip("/")


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str = DEFAULT_BASE_URL
    api_key: str = ""
    allow_insecure_http: bool = False

    def __repr__(self) -> str:  # the key never appears in a repr, only its prefix
        from kgp_tui.api.redact import key_prefix

        return f"Profile(name={self.name!r}, base_url={self.base_url!r}, api_key={key_prefix(self.api_key)!r})"


@dataclass(frozen=True)
class Connection:
    """Where to connect and with which key, after environment overrides."""

    base_url: str
    api_key: str
    profile: str
    source: str = "config"  # "config", "env" or "demo": where the key came from

    def __repr__(self) -> str:
        from kgp_tui.api.redact import key_prefix

        return (
            f"Connection(base_url={self.base_url!r}, api_key={key_prefix(self.api_key)!r}, "
            f"profile={self.profile!r}, source={self.source!r})"
        )


@dataclass
class Config:
    path: Path
    default_profile: str = DEFAULT_PROFILE
    poll_interval: float = 3.0
    request_timeout: float = 30.0
    requests_per_second: float = 10.0
    theme: str = DEFAULT_THEME
    allow_insecure_http: bool = False
    surface: str = "auto"
    notify: str = "auto"  # kgp_tui.notify: a word outside the app when a run ends
    notify_command: tuple[str, ...] = ()
    download_dir: str = ""
    profiles: dict[str, Profile] = field(default_factory=dict)
    keymap: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    env: Mapping[str, str] = field(default_factory=lambda: os.environ, repr=False)
    chosen_profile: str | None = None  # --profile NAME (the CLI sets it): wins over $KGP_TUI_PROFILE

    def profile(self, name: str | None = None) -> Profile:
        """The named profile (or the chosen default); an unknown explicit name is a ConfigError."""
        explicit = name or self.chosen_profile or self.env.get("KGP_TUI_PROFILE")
        chosen = explicit or self.default_profile
        if chosen in self.profiles:
            return self.profiles[chosen]
        if explicit:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ConfigError(f"no profile named {chosen!r} (profiles: {known})", self.path)
        return Profile(name=chosen)

    def allows_insecure_http(self, profile: str | None = None) -> bool:
        return self.allow_insecure_http or self.profile(profile).allow_insecure_http

    def base_url(self, profile: str | None = None, *, checked: bool = True) -> str:
        """Where a key goes: ``$KGP_BASE_URL``, else the profile's base URL, else the default server.

        `checked`: a URL that fails `check_base_url` is a ConfigError; unchecked, it is returned as given, so a
        form can show it and say what is wrong instead of falling back to a server the user did not choose.
        """
        chosen = self.profile(profile)
        from_env = self.env.get("KGP_BASE_URL", "").strip()
        base_url = from_env or chosen.base_url
        if not checked:
            return base_url
        try:
            return check_base_url(base_url, allow_insecure_http=self.allows_insecure_http(profile))
        except ValueError as exc:
            origin = "KGP_BASE_URL" if from_env else f"profile {chosen.name!r}"
            raise ConfigError(f"{origin}: {exc}", self.path) from None

    def connection(self, profile: str | None = None) -> Connection | None:
        """The profile with ``$KGP_BASE_URL`` / ``$KGP_API_KEY`` applied; None when there is no key at all."""
        chosen = self.profile(profile)
        base_url = self.base_url(profile)
        env_key = self.env.get("KGP_API_KEY", "").strip()
        api_key = env_key or chosen.api_key
        if not api_key:
            return None
        return Connection(base_url=base_url, api_key=api_key, profile=chosen.name, source="env" if env_key else "config")


def _line_of(text: str, key: str, section: str | None = None) -> int | None:
    """Best-effort line number of ``key = …`` (inside ``[section]`` when given) for error messages."""
    in_section = section is None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            header = line.strip("[] \t")
            in_section = section is None or header == section
            if section is not None and header == section and not key:
                return number
            continue
        if in_section and re.match(rf"^\"?{re.escape(key)}\"?\s*=", line):
            return number
    return None


def _coerce(value: Any, kind: type, limits: tuple[float, float] | None, what: str) -> Any:
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{what} must be a number, not {type(value).__name__}")
        value = float(value)
        if limits and not limits[0] <= value <= limits[1]:
            raise ValueError(f"{what} must be between {limits[0]:g} and {limits[1]:g}, not {value:g}")
        return value
    if not isinstance(value, kind):
        expected = {str: "a string", bool: "true or false"}.get(kind, kind.__name__)
        raise ValueError(f"{what} must be {expected}, not {type(value).__name__}")
    return value


def parse_config(text: str, path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Parse and strictly validate config text; every problem is a ConfigError naming the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(f"not valid TOML: {reason}", path, int(match.group(1)) if match else None) from None
    config = Config(path=path, env=os.environ if env is None else env)
    for key, value in data.items():
        if key in ("profiles", "keymap"):
            continue
        if key not in SETTINGS:
            raise ConfigError(f"unknown setting {key!r} (known: {', '.join(SETTINGS)}, [keymap], [profiles.NAME])", path,
                              _line_of(text, key))
        kind, _default, limits = SETTINGS[key]
        try:
            if key == "notify_command":
                from kgp_tui.notify import check_command

                value = check_command(value)
            else:
                value = _coerce(value, kind, limits, key)
            if key == "surface" and value not in SURFACES:
                raise ValueError(f"surface must be one of {', '.join(SURFACES)}, not {value!r}")
            if key == "notify" and value not in NOTIFY_MODES:
                raise ValueError(f"notify must be one of {', '.join(NOTIFY_MODES)}, not {value!r}")
            setattr(config, key, value)
        except ValueError as exc:
            raise ConfigError(str(exc), path, _line_of(text, key)) from None
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        raise ConfigError("keymap must be a table: [keymap] with binding-id = \"keys\"", path, _line_of(text, "keymap"))
    for binding_id, keys in keymap.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(
                f"keymap.{binding_id} must be a string of keys like \"f3,j\"", path, _line_of(text, binding_id, "keymap")
            )
        config.keymap[binding_id] = keys.strip()
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError("profiles must be a table: [profiles.NAME]", path, _line_of(text, "profiles"))
    for name, body in profiles.items():
        section = f"profiles.{name}"
        if not isinstance(body, dict):
            raise ConfigError(f"profile {name!r} must be a table [{section}]", path, _line_of(text, name, "profiles"))
        values: dict[str, Any] = {}
        for key, value in body.items():
            line = _line_of(text, key, section)
            if key not in PROFILE_KEYS:
                raise ConfigError(f"unknown key {key!r} in [{section}] (known: {', '.join(PROFILE_KEYS)})", path, line)
            try:
                values[key] = _coerce(value, PROFILE_KEYS[key], None, f"{section}.{key}")
            except ValueError as exc:
                raise ConfigError(str(exc), path, line) from None
        if "base_url" in values:
            try:
                values["base_url"] = check_base_url(
                    values["base_url"],
                    allow_insecure_http=config.allow_insecure_http or values.get("allow_insecure_http", False),
                )
            except ValueError as exc:
                raise ConfigError(f"{section}.base_url: {exc}", path, _line_of(text, "base_url", section)) from None
        config.profiles[name] = Profile(name=name, **values)
    if "default_profile" not in data and len(config.profiles) == 1:
        config.default_profile = next(iter(config.profiles))  # one profile needs no default_profile line
    if "default_profile" in data and config.default_profile not in config.profiles:
        raise ConfigError(
            f"default_profile {config.default_profile!r} names no [profiles.…] table "
            f"(profiles: {', '.join(sorted(config.profiles))})",
            path,
            _line_of(text, "default_profile"),
        )
    return config


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the config file (a missing file means defaults); raise ConfigError for anything broken."""
    env = os.environ if env is None else env
    file = app_paths(path, env).config_file
    if not file.exists():
        if path or env.get("KGP_TUI_CONFIG"):
            raise ConfigError("file not found", file)
        return Config(path=file, env=env)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", file) from None
    config = parse_config(text, file, env)
    if os.name == "posix" and any(p.api_key for p in config.profiles.values()):
        mode = file.stat().st_mode & 0o777
        if mode & 0o077:
            config.warnings.append(
                f"{file} holds an API key and is readable by others (mode {mode:o}); run: chmod 600 {file}"
            )
    return config


def write_toml_atomic(file: Path, data: dict[str, Any]) -> None:
    """Write TOML so a crash never leaves half a file: temp file (0600) in the same dir, fsync, rename."""
    import tomli_w

    private_dir(file.parent)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            tomli_w.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_profile(
    path: str | os.PathLike[str] | None,
    name: str,
    base_url: str,
    api_key: str,
    make_default: bool = True,
) -> Path:
    """Add or replace one profile in the config file, keeping everything else in it."""
    file = app_paths(path).config_file
    data: dict[str, Any] = {}
    if file.exists():
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    profiles = data.setdefault("profiles", {})
    profiles[name] = {**profiles.get(name, {}), "base_url": base_url.rstrip("/"), "api_key": api_key}
    if make_default:
        data["default_profile"] = name
    write_toml_atomic(file, data)
    return file
