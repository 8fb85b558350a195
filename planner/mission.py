"""Missions in: targets, home, landing site, keep-out zones and mission settings, validated.

The mission file is a GeoJSON FeatureCollection (RFC 7946), or any vector file GDAL reads (KML,
GeoPackage, Shapefile, FlatGeobuf), which :mod:`planner.vectors` turns into the same document so
that every rule below holds for every format. Each feature's ``properties.role`` is ``target``
(the default), ``home``, ``landing`` or ``keep_out``. A legacy ``crs`` member, as GDAL and QGIS
write it, names the coordinate system (for Mars, an ``IAU_2015`` code); without it the file is
RFC 7946 lon/lat on Earth unless the caller says otherwise. Mission-wide settings may sit in a
top-level ``plan_flight`` member, the mission's title in a top-level ``name``.

Every problem is reported as a :class:`~planner.errors.MissionError` naming the file, the feature
(index and name) and the field. Properties this module does not know (ids, descriptions, styles
that GIS tools add) are ignored, unless they look like a misspelt known one (``priorty``,
``gsd``), which is refused with the suggestion; a known key in another letter case (``Name``,
``PRIORITY``, as KML and ArcGIS write them) is taken as that key, unless the key itself is given
too: two spellings of one field are refused, naming both. A null property is an absent
one (GDAL writes a null for every field a feature leaves empty).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from planner.errors import MissionError, feature_label
from planner.frames import BODIES, Body, body_of_crs
from planner.settings import MISSION_SETTING_FIELDS, SETTING_FIELDS, Settings
from planner.values import boolean, misspelt, number
from planner.wind import wind_from_json


class Role(StrEnum):
    """What a mission feature is (its ``properties.role``)."""

    TARGET = "target"
    HOME = "home"
    LANDING = "landing"
    KEEP_OUT = "keep_out"
    FEATURELESS = "featureless"
    """Ground the operator knows is featureless (sand, dust): no texture for a camera to track."""
    AIRFIELD = "airfield"
    """A point the user offers as an airfield for a campaign: a flight may land there and the
    next one take off from it (checked for landing safety like the landing site)."""
    PLAN_FLIGHT = "plan_flight"
    """Mission-wide settings, for files that cannot hold a top-level ``plan_flight`` member
    (a GIS layer): its properties are the settings, its ``name`` the mission's title, and its
    geometry, if any, is ignored."""


ROLES = tuple(r.value for r in Role)
SITE_KEYS = ("role", "name")
TARGET_KEYS = ("role", "name", "priority", "required", "gsd_cm", "photos", "view_azimuth_deg",
               "view_azimuth_tolerance_deg", "min_standoff_m", "surface", "max_obliquity_deg",
               "height_m", "views", "view_elevation_deg", "view_elevation_tolerance_deg",
               "sidelap_pct", "overlap_pct", "strip_azimuth_deg", "corridor_width_m")
KEEP_OUT_KEYS = ("role", "name", "buffer_m", "height_m", "floor_m", "ceiling_m")
STANDING_KEYS = ("height_m", "floor_m", "ceiling_m")
"""Heights a feature may carry; only keep-outs (all three) and targets (``height_m``) stand up."""
KEYS_OF_ROLE = {Role.HOME: SITE_KEYS, Role.LANDING: SITE_KEYS, Role.TARGET: TARGET_KEYS,
                Role.KEEP_OUT: KEEP_OUT_KEYS, Role.FEATURELESS: SITE_KEYS,
                Role.AIRFIELD: SITE_KEYS}
"""The properties each role knows; others are ignored unless they look misspelt."""
JSON_SUFFIXES = (".geojson", ".json")


class Surface(StrEnum):
    """The surface of a target whose ground sample distance a photo is judged by."""

    GROUND = "ground"
    """Lying on the ground (rocks, tracks, debris): its normal points up."""
    UPRIGHT = "upright"
    """Standing up and facing the camera (a rover's side, a wall): its normal is level."""


SIDE_VIEW_ELEVATION_DEG = 45.0
"""Default depression of a side view (``views`` > 1 or ``view_azimuth_deg`` on a target lying on
the ground), with :data:`SIDE_VIEW_TOLERANCE_DEG`: 30° to 60° below the horizon, the band of
oblique aerial photography that shows an object's sides as well as its top (issue 14: "30° to
60° below the horizon for a side view"); steeper, the view is from above and its azimuth says
little; shallower, the object hides the ground behind it."""
SIDE_VIEW_TOLERANCE_DEG = 15.0
"""Default ``view_elevation_tolerance_deg``; see :data:`SIDE_VIEW_ELEVATION_DEG`."""
MAX_VIEWS = 24
"""Most ``views`` of one target: 24 sectors of 15°, the station search's azimuth step (finer
sectors would hold no candidate direction of their own)."""
DEFAULT_MAX_OBLIQUITY_DEG = 75.0
"""Steepest angle between a photo's line of sight and the target surface's normal, by default:
beyond it the along-sight pixel is over 3.9 times the across-sight one and small relief on the
surface hides what is behind it."""


@dataclass(frozen=True)
class Site:
    """A take-off or landing point (lon/lat on the mission's body)."""

    index: int
    name: str
    point: Point


@dataclass(frozen=True)
class Target:
    """Something to photograph, with what the user asks of the photographs."""

    index: int
    name: str
    geometry: BaseGeometry
    priority: float = 1.0
    required: bool = False
    gsd_cm: float | None = None
    photos: int = 1
    view_azimuth_deg: float | None = None
    view_azimuth_tolerance_deg: float = 45.0
    min_standoff_m: float = 0.0
    surface: Surface = Surface.GROUND
    max_obliquity_deg: float = DEFAULT_MAX_OBLIQUITY_DEG
    height_m: float = 0.0
    views: int = 1
    """Photos from this many sides, each from its own sector of azimuth (see
    :meth:`view_sectors`); each is a camera station of its own."""
    view_elevation_deg: float | None = None
    """Depression of the line of sight from the station to the target (degrees below the
    horizon), ± ``view_elevation_tolerance_deg``; ``None``: see :meth:`elevation_band`."""
    view_elevation_tolerance_deg: float = SIDE_VIEW_TOLERANCE_DEG
    sidelap_pct: float | None = None
    """An area's overlap between neighbouring strips, % (``None``: the default of
    :mod:`planner.coverage`); like the two below, it makes a polygon a survey."""
    overlap_pct: float | None = None
    """An area's overlap between successive images on a strip, %."""
    strip_azimuth_deg: float | None = None
    """An area's strip direction (compass degrees); ``None``: the one that flies quickest."""
    corridor_width_m: float | None = None
    """A LineString's corridor width to map along it (``None``: one image's width)."""

    def view_sectors(self) -> tuple[tuple[float, float], ...]:
        """The azimuth sectors the target is photographed from: ``(centre, half width)`` each.

        The compass side looked *from*. ``views`` sectors of equal width that tile the whole
        circle (the first centred on north) or, with ``view_azimuth_deg``, its ± tolerance; one
        photo is taken from each. Empty when any side will do (one view, no azimuth).

        Examples
        --------
        >>> Target(0, "t", Point(0, 0), views=4).view_sectors()
        ((0.0, 45.0), (90.0, 45.0), (180.0, 45.0), (270.0, 45.0))
        >>> Target(0, "t", Point(0, 0), views=2, view_azimuth_deg=90.0).view_sectors()
        ((67.5, 22.5), (112.5, 22.5))
        """
        if self.view_azimuth_deg is None:
            if self.views == 1:
                return ()
            width = 360.0 / self.views
            return tuple(((k * width) % 360.0, width / 2) for k in range(self.views))
        tol = self.view_azimuth_tolerance_deg
        width = 2.0 * tol / self.views
        return tuple(((self.view_azimuth_deg - tol + (k + 0.5) * width) % 360.0, width / 2)
                     for k in range(self.views))

    def elevation_band(self) -> tuple[float, float] | None:
        """Least and greatest depression of the line of sight to the target, degrees; or None.

        As given by ``view_elevation_deg`` ± its tolerance; by default a side view
        (:data:`SIDE_VIEW_ELEVATION_DEG`) for a target on the ground photographed from given
        sides (``views`` > 1 or ``view_azimuth_deg``): seen from above, its sides are not seen.
        An upright target needs no default: its obliquity limit already keeps the view side-on.
        """
        centre = self.view_elevation_deg
        if centre is None:
            if self.surface == Surface.UPRIGHT or not self.view_sectors():
                return None
            centre = SIDE_VIEW_ELEVATION_DEG
        tol = self.view_elevation_tolerance_deg
        return max(centre - tol, 0.0), min(centre + tol, 90.0)


@dataclass(frozen=True)
class KeepOut:
    """A zone the vehicle must keep out of, grown by ``buffer_m``.

    With no heights it reaches from the ground to the sky: never flown over. ``height_m`` makes
    it a thing that stands up (a building, a tower, a tree line) that may be flown over only
    above its height plus the profile's clearance; ``floor_m`` and ``ceiling_m`` make it a band of
    airspace that may be flown below its floor or above its ceiling, each by the clearance. All
    heights are metres above the ground under each point.
    """

    index: int
    name: str
    geometry: Polygon | MultiPolygon
    buffer_m: float = 0.0
    height_m: float | None = None
    floor_m: float | None = None
    ceiling_m: float | None = None

    @property
    def band_m(self) -> tuple[float, float]:
        """The heights above ground it occupies: ``(-inf, inf)`` for a zone with no heights."""
        if self.height_m is not None:
            return -math.inf, self.height_m
        return (-math.inf if self.floor_m is None else self.floor_m,
                math.inf if self.ceiling_m is None else self.ceiling_m)

    @property
    def heights_text(self) -> str:
        """Its heights in words for labels ("height 40 m", "airspace 50-120 m"), or ""."""
        if self.height_m is not None:
            return f"height {self.height_m:g} m"
        if self.floor_m is None and self.ceiling_m is None:
            return ""
        lo = f"{self.floor_m:g}" if self.floor_m is not None else "0"
        hi = f"{self.ceiling_m:g} m" if self.ceiling_m is not None else "up"
        return f"airspace {lo}-{hi} above ground"


@dataclass(frozen=True)
class Featureless:
    """Ground marked featureless by the mission."""

    index: int
    name: str
    geometry: Polygon | MultiPolygon


RECHARGE = ("in_place", "at_home")
"""How a campaign's flights are recharged: where the vehicle landed (Mars: the solar panel
charges it for the next sol), or by a battery swap at home or a user-given airfield (Earth)."""
CAMPAIGN_FIELDS = ("flights", "recharge", "flight_budgets", "auto_airfields")
"""The campaign settings a mission file's ``plan_flight`` member may hold."""
MAX_FLIGHTS = 100
"""Most flights a campaign may plan: more than Ingenuity flew in its whole mission (72 flights
in nearly three years, FACTS.md), over ground mapped once."""


@dataclass(frozen=True)
class CampaignSpec:
    """What a mission asks of a campaign (:mod:`planner.campaign_flow`); ``None``: not given.

    ``flight_budgets`` are fractions (0 < f <= 1) of the vehicle's usable energy and flight
    time, one per flight.
    """

    flights: int | None = None
    recharge: str | None = None
    flight_budgets: tuple[float, ...] | None = None
    auto_airfields: bool = False
    """Offer safe landing spots found on the terrain as airfields too (in-place recharge only)."""


@dataclass(frozen=True)
class Mission:
    """A validated mission: every geometry in lon/lat on ``body``'s geographic CRS."""

    source: str
    body: Body
    input_crs: str
    home: Site
    landing: Site | None
    targets: tuple[Target, ...]
    keep_outs: tuple[KeepOut, ...]
    settings: Settings = field(default_factory=Settings)
    featureless: tuple[Featureless, ...] = ()
    name: str | None = None
    """The file's title (GeoJSON's top-level ``name``), when it gives one."""
    airfields: tuple[Site, ...] = ()
    """Points given as ``role: airfield``, in file order."""
    campaign: CampaignSpec = field(default_factory=CampaignSpec)

    @property
    def landing_site(self) -> Site:
        """Where the flight ends: the landing site, or home when none is given."""
        return self.landing if self.landing is not None else self.home


def load_mission(path: str | Path, *, body: str | None = None) -> Mission:
    """Read and validate a mission file.

    Parameters
    ----------
    path
        A GeoJSON file (a UTF-8 byte-order mark is allowed), or any vector file or folder GDAL
        reads (see :mod:`planner.vectors`).
    body
        ``"mars"`` or ``"earth"`` to override what the file implies (its ``crs`` member, or
        RFC 7946 Earth without one). A ``crs`` on another body than ``body`` is an error.

    Raises
    ------
    MissionError
        For anything wrong in the file, naming the file, feature and field.
    """
    src = str(path)
    p = Path(path)
    if p.is_file() and p.stat().st_size > MAX_MISSION_BYTES:
        raise MissionError(f"is {p.stat().st_size / 2**20:.0f} MiB: a mission file may be at "
                           f"most {MAX_MISSION_BYTES // 2**20} MiB", source=src)
    if not _is_json(p):
        from planner.vectors import read_vector_mission

        doc, locations = read_vector_mission(path, source=src)
        return parse_mission(doc, source=src, body=body, locations=locations)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MissionError("no such file", source=src) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MissionError(f"cannot be read ({exc})", source=src) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MissionError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                           source=src) from None
    except RecursionError:
        raise MissionError("JSON nested too deeply to be a mission", source=src) from None
    return parse_mission(doc, source=src, body=body)


MAX_MISSION_BYTES = 64 * 2**20
"""Largest mission file read: 64 MiB of GeoJSON holds some 300,000 point features, far more
than any campaign photographs; a larger file is a mistake (a DEM or a whole map layer)."""


def _is_json(path: Path) -> bool:
    """A GeoJSON file by its suffix or its first character; else a file for GDAL."""
    if path.suffix.lower() in JSON_SUFFIXES or not path.exists():
        return True
    if path.is_dir():
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(64).removeprefix(b"\xef\xbb\xbf").lstrip()
    except OSError:
        return True  # let the JSON reader say why it cannot be read
    return head[:1] in (b"{", b"[")


def parse_mission(doc: Any, *, source: str = "<mission>", body: str | None = None,
                  locations: Sequence[str] | None = None) -> Mission:
    """Validate a parsed GeoJSON document; see :func:`load_mission`.

    ``locations`` names each feature in errors when the document was made from a file of
    several layers (``"layer 'targets' feature #3 (fid 3)"``); by default features are named
    ``feature #N``, counted from 1 (:func:`planner.errors.feature_label`).
    """
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise MissionError(f"not a GeoJSON FeatureCollection (type is {kind!r})", source=source)
    features = doc.get("features")
    if not isinstance(features, list):
        raise MissionError("'features' must be a list", source=source, field="features")

    title = doc.get("name")
    if title is not None and not isinstance(title, str):
        raise MissionError(f"must be text, not {title!r}", source=source, field="name")
    settings, feature_title, campaign = _mission_settings(doc.get("plan_flight"), features,
                                                          source, locations)
    title = feature_title or title
    body_name = body or settings.body
    mission_body, input_crs, to_geo = _resolve_crs(doc.get("crs"), body_name, source)

    home: Site | None = None
    landing: Site | None = None
    targets: list[Target] = []
    keep_outs: list[KeepOut] = []
    featureless: list[Featureless] = []
    airfields: list[Site] = []
    names: dict[str, int] = {}
    for i, feat in enumerate(features):
        role, props, ctx = _feature(feat, i, source, locations)
        if role == Role.PLAN_FLIGHT:
            continue  # read by _mission_settings
        name = ctx["name"]
        props = _known_keys(props, KEYS_OF_ROLE[role], ctx)
        for key in STANDING_KEYS:
            if key in props and key not in KEYS_OF_ROLE[role]:
                raise MissionError(f"means nothing on a {role}: only keep_out zones (height_m, "
                                   f"floor_m, ceiling_m) and targets (height_m) stand up",
                                   field=key, **ctx)
        geom = _parse_geometry(feat.get("geometry"), to_geo, ctx)
        label = name or f"{role} {i}"
        if role == Role.AIRFIELD:
            if not isinstance(geom, Point):
                raise MissionError(f"an airfield must be a Point, not a {geom.geom_type}",
                                   field="geometry", **ctx)
            airfields.append(Site(index=i, name=label, point=geom))
        elif role in (Role.HOME, Role.LANDING):
            if not isinstance(geom, Point):
                raise MissionError(f"a {role} must be a Point, not a {geom.geom_type}",
                                   field="geometry", **ctx)
            site = Site(index=i, name=label, point=geom)
            if role == Role.HOME:
                if home is not None:
                    raise MissionError(f"a second home (the first is "
                                       f"{feature_label(home.index)})",
                                       field="role", **ctx)
                home = site
            else:
                if landing is not None:
                    raise MissionError(f"a second landing site (the first is "
                                       f"{feature_label(landing.index)})", field="role", **ctx)
                landing = site
        elif role == Role.FEATURELESS:
            if not isinstance(geom, Polygon | MultiPolygon) or not geom.is_valid:
                raise MissionError("featureless ground must be a valid Polygon or MultiPolygon",
                                   field="geometry", **ctx)
            featureless.append(Featureless(index=i, name=label, geometry=geom))
        elif role == Role.KEEP_OUT:
            if not isinstance(geom, Polygon | MultiPolygon):
                raise MissionError(f"a keep_out must be a Polygon or MultiPolygon, not a "
                                   f"{geom.geom_type}", field="geometry", **ctx)
            if not geom.is_valid:
                raise MissionError(f"invalid polygon: {shapely.is_valid_reason(geom)}",
                                   field="geometry", **ctx)
            keep_outs.append(_parse_keep_out(i, label, geom, props, ctx))
        else:
            if not isinstance(geom, Point | LineString | Polygon | MultiPolygon):
                raise MissionError(f"a target must be a Point, LineString, Polygon or "
                                   f"MultiPolygon, not a "
                                   f"{geom.geom_type}", field="geometry", **ctx)
            if not geom.is_valid:
                raise MissionError(f"invalid geometry: {shapely.is_valid_reason(geom)}",
                                   field="geometry", **ctx)
            if name is None:
                raise MissionError("a target needs a 'name'", field="name", **ctx)
            if name in names:
                first = names[name]
                also = locations[first] if locations is not None else feature_label(first)
                raise MissionError(f"duplicate target name (also {also})", field="name", **ctx)
            names[name] = i
            targets.append(_parse_target(i, name, geom, props, ctx))
    if home is None:
        raise MissionError("no feature with role 'home' (the take-off point)", source=source,
                           field="role")
    return Mission(source=source, body=mission_body, input_crs=input_crs, home=home,
                   landing=landing, targets=tuple(targets), keep_outs=tuple(keep_outs),
                   settings=settings, featureless=tuple(featureless), name=title,
                   airfields=tuple(airfields), campaign=campaign)


def _feature(feat: Any, i: int, source: str, locations: Sequence[str] | None,
             ) -> tuple[Role, dict[str, Any], dict[str, Any]]:
    """A feature's role, its properties and its context for errors (source, feature, name).

    Null properties are dropped; ``role`` and ``name`` are found in any letter case.
    """
    if not isinstance(feat, dict) or feat.get("type") != "Feature":
        raise MissionError("not a GeoJSON Feature", source=source, feature=i)
    where: int | str = locations[i] if locations is not None else i
    props = feat.get("properties") or {}
    if not isinstance(props, dict):
        raise MissionError("'properties' must be an object", source=source, feature=where,
                           field="properties")
    props = {k: v for k, v in props.items() if v is not None}  # null is absent (GDAL)
    props = _known_keys(props, ("role", "name"), {"source": source, "feature": where},
                        check=False)
    raw_name = props.get("name")
    name = raw_name if isinstance(raw_name, str) and raw_name.strip() else None
    ctx: dict[str, Any] = {"source": source, "feature": where, "name": name}
    if raw_name is not None and not isinstance(raw_name, str):
        raise MissionError(f"must be text, not {raw_name!r}", field="name", **ctx)
    raw_role = props.get("role", Role.TARGET.value)
    if raw_role not in ROLES:
        raise MissionError(f"unknown role {raw_role!r} (expected one of {', '.join(ROLES)})",
                           field="role", **ctx)
    return Role(raw_role), props, ctx


def _mission_settings(member: Any, features: list[Any], source: str,
                      locations: Sequence[str] | None,
                      ) -> tuple[Settings, str | None, CampaignSpec]:
    """The settings and, when a feature holds them, that feature's name (the mission's title).

    Settings come from the top-level ``plan_flight`` member or from the one feature whose role
    is ``plan_flight``; in a feature, properties that are no setting and do not look like a
    misspelt one are ignored, as in any feature.
    """
    found: tuple[dict[str, Any], dict[str, Any]] | None = None
    for i, feat in enumerate(features):
        role, props, ctx = _feature(feat, i, source, locations)
        if role != Role.PLAN_FLIGHT:
            continue
        if member is not None or found is not None:
            first = "the top-level plan_flight member" if found is None else \
                (feature_label(found[1]["feature"]) if isinstance(found[1]["feature"], int)
                 else found[1]["feature"])
            raise MissionError(f"a second set of mission settings (the first is {first})",
                               field="role", **ctx)
        found = (props, ctx)
    if found is None:
        return (_parse_settings(member, source), None,
                _parse_campaign(member, source))
    props, ctx = found
    fields = (*MISSION_SETTING_FIELDS, *SETTING_FIELDS, *CAMPAIGN_FIELDS)
    raw = {k: v for k, v in props.items() if k in fields or misspelt(k, fields)}
    return (_parse_settings(raw, source, feature=ctx["feature"]), ctx["name"],
            _parse_campaign(raw, source, feature=ctx["feature"]))


def _parse_campaign(raw: Any, source: str, *, feature: int | str | None = None) -> CampaignSpec:
    """The campaign settings of a ``plan_flight`` member (already checked to be an object)."""
    if not isinstance(raw, dict):
        return CampaignSpec()

    def where(key: str) -> dict[str, Any]:
        return {"source": source, "feature": feature, "field": f"plan_flight.{key}"}

    flights = raw.get("flights")
    if flights is not None:
        flights = check_flights(flights, where("flights"))
    recharge = raw.get("recharge")
    if recharge is not None and recharge not in RECHARGE:
        raise MissionError(f"unknown recharge {recharge!r} (in_place: each flight starts where "
                           f"the last landed; at_home: battery swaps at home or an airfield)",
                           **where("recharge"))
    budgets = raw.get("flight_budgets")
    if budgets is not None:
        if not isinstance(budgets, list) or not budgets:
            raise MissionError("must be a list of fractions of the vehicle's budget, one per "
                               "flight", **where("flight_budgets"))
        out = []
        for k, b in enumerate(budgets):
            try:
                out.append(number(b, minimum=0.0, exclusive_minimum=True, maximum=1.0))
            except ValueError as exc:
                raise MissionError(f"flight {k + 1}: {exc} (a fraction of the vehicle's "
                                   f"budget)", **where("flight_budgets")) from None
        budgets = tuple(out)
        if flights is not None and len(budgets) != flights:
            raise MissionError(f"{len(budgets)} budgets for {flights} flights: give one per "
                               f"flight", **where("flight_budgets"))
    auto = raw.get("auto_airfields", False)
    if not isinstance(auto, bool):
        raise MissionError(f"must be true or false, not {auto!r}", **where("auto_airfields"))
    if auto and recharge == "at_home":
        raise MissionError("needs recharge in_place: with at_home a crew swaps the battery, "
                           "at home or at a role: airfield point, not at a spot found on the "
                           "terrain", **where("auto_airfields"))
    return CampaignSpec(flights=flights, recharge=recharge, flight_budgets=budgets,
                        auto_airfields=auto)


def check_flights(value: Any, where: dict[str, Any]) -> int:
    """A campaign's flight count, checked: a whole number from 1 to :data:`MAX_FLIGHTS`."""
    try:
        return int(number(value, minimum=1.0, maximum=float(MAX_FLIGHTS), whole=True))
    except ValueError as exc:
        raise MissionError(str(exc), **where) from None



def _known_keys(props: dict[str, Any], known: Sequence[str], ctx: dict[str, Any], *,
                check: bool = True) -> dict[str, Any]:
    """The properties with known keys in another letter case renamed to the known key.

    With ``check``, a key that looks like a misspelling of a known one (see
    :func:`planner.values.misspelt`) is refused with the suggestion, and one that is a second
    spelling of a key also given (``BUFFER_M`` beside ``buffer_m``, ``requird`` beside
    ``required``) is refused naming both; other keys pass.
    """
    out = dict(props)
    for key in props:
        if key in known:
            continue
        plain = key.strip().lower().replace("-", "_").replace(" ", "_")
        if plain in known and plain not in out:
            out[plain] = out.pop(key)
            continue
        guess = misspelt(key, known) if check else None
        if guess is not None and guess in out:
            # Two spellings of one field (BUFFER_M: 80 beside buffer_m: 20): taking either
            # silently could halve a keep-out's buffer; only the user knows which is meant.
            other = next(k for k in props if k != key and (k == guess or misspelt(k, known)
                                                           == guess))
            raise MissionError(f"given twice, as {other!r} and {key!r}: keep one",
                               **{**ctx, "field": guess})
        if guess is not None:
            raise MissionError(f"unknown property; did you mean {guess!r}?",
                               **{**ctx, "field": key})
    return out


def _parse_settings(raw: Any, source: str, *, feature: int | str | None = None) -> Settings:
    if raw is None:
        return Settings()
    if not isinstance(raw, dict):
        raise MissionError("'plan_flight' must be an object", source=source, field="plan_flight")
    for key in raw:
        if key in MISSION_SETTING_FIELDS or key in CAMPAIGN_FIELDS:
            continue
        where: dict[str, Any] = {"source": source, "feature": feature,
                                 "field": f"plan_flight.{key}"}
        if key in SETTING_FIELDS:
            raise MissionError("is a vehicle budget, set on the command line or in a vehicle "
                               "profile, not in a mission file", **where)
        guess = misspelt(key, (*MISSION_SETTING_FIELDS, *CAMPAIGN_FIELDS))
        if guess is not None and guess in raw:
            raise MissionError(f"given twice, as {guess!r} and {key!r}: keep one",
                               source=source, feature=feature, field=f"plan_flight.{guess}")
        if guess is not None:
            raise MissionError(f"unknown setting; did you mean {guess!r}?", **where)
        raise MissionError(f"unknown setting (known: "
                           f"{', '.join((*MISSION_SETTING_FIELDS, *CAMPAIGN_FIELDS))})",
                           **where)
    values: dict[str, Any] = {}
    for key in MISSION_SETTING_FIELDS:
        if key not in raw or raw[key] is None:
            continue
        val = raw[key]
        if key == "wind":
            try:
                val = wind_from_json(val)
            except ValueError as exc:
                raise MissionError(str(exc), source=source, feature=feature,
                                   field="plan_flight.wind") from None
        elif key in ("body", "vehicle", "survey_capture"):
            if not isinstance(val, str):
                raise MissionError("must be a string", source=source, feature=feature,
                                   field=f"plan_flight.{key}")
        else:
            try:
                val = number(val, minimum=0.0, exclusive_minimum=True)
            except ValueError as exc:
                raise MissionError(str(exc), source=source, feature=feature,
                                   field=f"plan_flight.{key}") from None
        values[key] = val
    if "body" in values and values["body"] not in BODIES:
        raise MissionError(f"unknown body {values['body']!r} (mars or earth)", source=source,
                           feature=feature, field="plan_flight.body")
    return Settings(**values)


def _resolve_crs(raw: Any, body_name: str | None, source: str) -> tuple[Body, str, Any]:
    """Return the body, the input CRS's name, and a transformer to the body's lon/lat (or None)."""
    if body_name is not None and body_name not in BODIES:
        raise MissionError(f"unknown body {body_name!r} (mars or earth)", source=source,
                           field="body")
    if raw is None:
        body = BODIES[body_name or "earth"]
        return body, body.geographic_crs, None
    name = None
    if isinstance(raw, dict):
        props = raw.get("properties")
        if isinstance(props, dict):
            name = props.get("name")
    elif isinstance(raw, str):
        name = raw
    if not isinstance(name, str):
        raise MissionError("'crs' must be {\"type\": \"name\", \"properties\": {\"name\": ...}}",
                           source=source, field="crs")
    try:
        crs = pyproj.CRS(name)
    except pyproj.exceptions.CRSError:
        raise MissionError(f"unknown CRS {name!r}", source=source, field="crs") from None
    try:
        crs_body = body_of_crs(crs)
    except ValueError as exc:
        raise MissionError(str(exc), source=source, field="crs") from None
    if body_name is not None and BODIES[body_name] != crs_body:
        raise MissionError(f"the file's CRS {name!r} is on {crs_body.name}, not {body_name}",
                           source=source, field="crs")
    geo = crs_body.crs
    if crs.is_geographic and crs.equals(geo, ignore_axis_order=True):
        return crs_body, name, None
    if crs.is_geographic and not crs.is_projected and crs_body.name == "earth" and \
            "CRS84" in name.upper().replace(":", ""):
        return crs_body, name, None
    transformer = pyproj.Transformer.from_crs(crs, geo, always_xy=True)
    return crs_body, name, transformer


_NESTING = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
            "MultiPolygon": 3}
"""How deeply each GeoJSON geometry type nests its positions (RFC 7946, 3.1)."""


def _check_coordinates(raw: dict[str, Any], ctx: dict[str, Any]) -> None:
    """Check a GeoJSON geometry's coordinates before shapely sees them.

    Every position a list of 2 or 3 finite numbers, lines of 2 and rings of 4 or more
    positions, rings closed: shapely would take "8.5" for a number and close a ring silently.
    """
    kind = raw.get("type")
    if kind not in _NESTING:
        raise MissionError(f"unknown geometry type {kind!r} (expected one of "
                           f"{', '.join(_NESTING)})", field="geometry", **ctx)
    coords = raw.get("coordinates")

    def position(p: Any) -> None:
        if not isinstance(p, list | tuple) or len(p) not in (2, 3):
            raise MissionError(f"a position must be [lon, lat] or [lon, lat, height], not "
                               f"{p!r:.60}", field="geometry", **ctx)
        for v in p:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise MissionError(f"coordinates must be numbers, not {v!r:.30}",
                                   field="geometry", **ctx)
            if not math.isfinite(v):
                raise MissionError("coordinates must be finite numbers (found NaN or "
                                   "infinity)", field="geometry", **ctx)

    def walk(c: Any, depth: int, ring: bool, line: bool) -> None:
        if depth == 0:
            position(c)
            return
        if not isinstance(c, list | tuple):
            raise MissionError(f"a {kind}'s coordinates are nested {_NESTING[kind]} lists "
                               f"deep", field="geometry", **ctx)
        if depth == 1 and ring:
            if len(c) < 4:
                raise MissionError(f"a polygon ring needs at least 4 positions (the first "
                                   f"repeated last), not {len(c)}", field="geometry", **ctx)
            for p in c:
                position(p)
            if list(c[0]) != list(c[-1]):
                raise MissionError("a polygon ring must be closed: its last position repeats "
                                   "its first", field="geometry", **ctx)
            return
        if depth == 1 and line and len(c) < 2:
            raise MissionError(f"a line needs at least 2 positions, not {len(c)}",
                               field="geometry", **ctx)
        for item in c:
            walk(item, depth - 1, ring, line)

    if coords is None:
        raise MissionError(f"a {kind} needs 'coordinates'", field="geometry", **ctx)
    if coords == []:
        raise MissionError("empty geometry", field="geometry", **ctx)
    walk(coords, _NESTING[kind], kind in ("Polygon", "MultiPolygon"),
         kind in ("LineString", "MultiLineString"))


def _parse_geometry(raw: Any, to_geo: Any, ctx: dict[str, Any]) -> BaseGeometry:
    if not isinstance(raw, dict):
        raise MissionError("missing geometry", field="geometry", **ctx)
    _check_coordinates(raw, ctx)
    try:
        geom = shape(raw)
    except Exception as exc:  # shapely raises several kinds for malformed GeoJSON geometry
        raise MissionError(f"malformed {raw.get('type')!r} geometry ({exc})", field="geometry",
                           **ctx) from None
    if geom.is_empty:
        raise MissionError("empty geometry", field="geometry", **ctx)
    parts = getattr(geom, "geoms", None)
    if parts is not None and len(parts) == 1:
        geom = parts[0]  # GIS layers are often Multi* with one part per feature
    coords = shapely.get_coordinates(geom)
    if not np.all(np.isfinite(coords)):
        raise MissionError("coordinates must be finite numbers (found NaN or infinity)",
                           field="geometry", **ctx)
    if to_geo is not None:
        geom = shapely.transform(geom, lambda c: np.column_stack(to_geo.transform(c[:, 0],
                                                                                  c[:, 1])))
        coords = shapely.get_coordinates(geom)
        if not np.all(np.isfinite(coords)):
            raise MissionError("coordinates outside the CRS's valid area", field="geometry",
                               **ctx)
    lon, lat = coords[:, 0], coords[:, 1]
    if np.any(np.abs(lat) > 90):
        raise MissionError(f"latitude {float(lat[np.argmax(np.abs(lat))]):g} is outside "
                           f"[-90, 90]", field="geometry", **ctx)
    if np.any(lon < -180) or np.any(lon > 360):
        raise MissionError("longitude outside [-180, 360]", field="geometry", **ctx)
    return geom


def _number(props: dict[str, Any], key: str, default: float, ctx: dict[str, Any], *,
            minimum: float | None = None, exclusive: bool = False,
            maximum: float | None = None, whole: bool = False) -> float:
    val = props.get(key, default)
    if val is None:
        return default
    try:
        return number(val, minimum=minimum, exclusive_minimum=exclusive, maximum=maximum,
                      whole=whole)
    except ValueError as exc:
        raise MissionError(str(exc), field=key, **ctx) from None


def _percent(props: dict[str, Any], key: str, ctx: dict[str, Any]) -> float | None:
    """An overlap in percent: at least 0, below 100 (at 100 % the images never advance)."""
    if props.get(key) is None:
        return None
    val = _number(props, key, 0.0, ctx, minimum=0.0)
    if val >= 100.0:
        raise MissionError(f"must be below 100 (at 100 % or more the images never advance), "
                           f"not {props[key]!r}", field=key, **ctx)
    return val


def _parse_keep_out(i: int, name: str, geom: Polygon | MultiPolygon, props: dict[str, Any],
                    ctx: dict[str, Any]) -> KeepOut:
    """A keep-out and its heights: a thing that stands up, or a band of airspace, or neither."""
    heights = {k: None if props.get(k) is None else
               _number(props, k, 0.0, ctx, minimum=0.0, exclusive=k != "floor_m")
               for k in STANDING_KEYS}
    if heights["height_m"] is not None and (heights["floor_m"] is not None or
                                            heights["ceiling_m"] is not None):
        raise MissionError("a keep-out stands up (height_m) or is a band of airspace (floor_m, "
                           "ceiling_m), not both", field="height_m", **ctx)
    lo, hi = heights["floor_m"], heights["ceiling_m"]
    if lo is not None and hi is not None and lo >= hi:
        raise MissionError(f"floor {lo:g} m must be below ceiling {hi:g} m", field="floor_m",
                           **ctx)
    return KeepOut(index=i, name=name, geometry=geom,
                   buffer_m=_number(props, "buffer_m", 0.0, ctx, minimum=0.0), **heights)


def _parse_target(i: int, name: str, geom: BaseGeometry, props: dict[str, Any],
                  ctx: dict[str, Any]) -> Target:
    try:
        required = boolean(props.get("required", False))
    except ValueError as exc:
        raise MissionError(str(exc), field="required", **ctx) from None
    photos = int(_number(props, "photos", 1, ctx, minimum=1, maximum=100, whole=True))
    gsd = props.get("gsd_cm")
    gsd_cm = None if gsd is None else _number(props, "gsd_cm", 0.0, ctx, minimum=0.0,
                                               exclusive=True)
    az = props.get("view_azimuth_deg")
    view_az = None if az is None else _number(props, "view_azimuth_deg", 0.0, ctx, minimum=0.0,
                                              maximum=360.0) % 360.0
    views = int(_number(props, "views", 1, ctx, minimum=1, maximum=MAX_VIEWS, whole=True))
    el = props.get("view_elevation_deg")
    view_el = None if el is None else _number(props, "view_elevation_deg", 0.0, ctx,
                                              minimum=0.0, maximum=90.0, exclusive=True)
    surface = props.get("surface", Surface.GROUND.value)
    if surface not in tuple(Surface):
        raise MissionError(f"must be 'ground' or 'upright', not {surface!r}", field="surface",
                           **ctx)
    return Target(
        index=i, name=name, geometry=geom,
        priority=_number(props, "priority", 1.0, ctx, minimum=0.0, exclusive=True),
        required=required, gsd_cm=gsd_cm, photos=photos, view_azimuth_deg=view_az,
        view_azimuth_tolerance_deg=_number(props, "view_azimuth_tolerance_deg", 45.0, ctx,
                                           minimum=0.0, maximum=180.0),
        min_standoff_m=_number(props, "min_standoff_m", 0.0, ctx, minimum=0.0),
        surface=Surface(surface),
        max_obliquity_deg=_number(props, "max_obliquity_deg", DEFAULT_MAX_OBLIQUITY_DEG, ctx,
                                  minimum=0.0, maximum=90.0, exclusive=True),
        height_m=_number(props, "height_m", 0.0, ctx, minimum=0.0),
        views=views, view_elevation_deg=view_el,
        sidelap_pct=_percent(props, "sidelap_pct", ctx),
        overlap_pct=_percent(props, "overlap_pct", ctx),
        corridor_width_m=None if props.get("corridor_width_m") is None else
        _number(props, "corridor_width_m", 0.0, ctx, minimum=0.0, exclusive=True),
        strip_azimuth_deg=None if props.get("strip_azimuth_deg") is None else
        _number(props, "strip_azimuth_deg", 0.0, ctx, minimum=0.0, maximum=360.0) % 360.0,
        view_elevation_tolerance_deg=_number(props, "view_elevation_tolerance_deg",
                                             SIDE_VIEW_TOLERANCE_DEG, ctx, minimum=0.0,
                                             maximum=45.0),
    )
