"""What a profile's server offered last time (the account and the catalog or capabilities), kept so the next start
shows the catalog at its first frame while the connect checks the key and fetches the offer again
(stale-while-revalidate).

One small JSON file per profile (base URL + `persist.key_digest` of the key, hashed again for the file name) in
the user's cache folder, 0600: it holds the account's name, e-mail and credits, never the key. A file that does not
read (an older or newer kgp-tui, a torn write, a hand edit) is a miss, never an error: the start is then as
without a cache. The demo keeps none (its simulator gets a new port each start).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgp_tui.api.domain import Account, Offer, SurfaceName

log = logging.getLogger(__name__)

VERSION = 1


@dataclass(frozen=True)
class CachedOffer:
    surface: SurfaceName
    account: Account
    offer: Offer
    saved_at: float


def cache_dir() -> Path:
    from kgp_tui.config import app_paths

    return app_paths().cache_dir / "offers"


def _path(profile: str, root: Path | None) -> Path:
    name = hashlib.sha256(profile.encode("utf-8")).hexdigest()[:32]
    return (root or cache_dir()) / f"{name}.json"


def load(profile: str, root: Path | None = None) -> CachedOffer | None:
    """The offer this profile saw last, or None (never saved, or a file that does not read)."""
    path = _path(profile, root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.info("offer cache %s not read: %s", path.name, error)
        return None
    try:
        if not isinstance(data, dict) or data.get("version") != VERSION or data.get("profile") != profile:
            raise ValueError("another version or profile")
        from kgp_tui.api.domain.codec import account_from_dict, offer_from_dict

        offer = offer_from_dict(data.get("offer"))
        return CachedOffer(surface=offer.surface, account=account_from_dict(data.get("account")), offer=offer,
                           saved_at=float(data.get("saved_at") or 0.0))
    except (TypeError, ValueError) as error:
        log.info("offer cache %s not used: %s", path.name, error)
        return None


def save(profile: str, account: Account, offer: Offer, root: Path | None = None, now: float | None = None) -> None:
    """Keep what the connect found (written whole, then renamed over the old file: a crash leaves one or the other).
    A failure is logged, never raised: the cache only makes the next start faster."""
    from kgp_tui.api.domain.codec import account_to_dict, offer_to_dict
    from kgp_tui.config import private_dir, private_file

    path = _path(profile, root)
    data: dict[str, Any] = {"version": VERSION, "profile": profile, "saved_at": time.time() if now is None else now,
                            "account": account_to_dict(account), "offer": offer_to_dict(offer)}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        private_dir(path.parent)
        private_file(tmp)
        tmp.write_text(json.dumps(data, separators=(",", ":"), default=str), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as error:
        log.warning("could not keep the offer for the next start: %s", error)
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # its folder was never made


def forget(profile: str, root: Path | None = None) -> None:
    """Drop a profile's offer (its key was refused: nothing of it is shown at the next start)."""
    try:
        _path(profile, root).unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not drop the kept offer: %s", error)
