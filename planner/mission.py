"""GeoJSON in: targets, home, landing site, keep-out zones and mission settings, validated.

The mission file is a GeoJSON FeatureCollection (RFC 7946). Each feature's ``properties.role`` is
``target`` (the default), ``home``, ``landing`` or ``keep_out``. A legacy ``crs`` member, as GDAL
and QGIS write it, names the coordinate system (for Mars, an ``IAU_2015`` code); without it the file
is RFC 7946 lon/lat on Earth unless the caller says otherwise. Mission-wide settings may sit in a
top-level ``plan_flight`` member.

Every problem is reported as a :class:`~planner.errors.MissionError` naming the file, the feature
(index and name) and the field. Properties this module does not know (ids, descriptions, styles
that GIS tools add) are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from planner.errors import MissionError
from planner.frames import BODIES, Body, body_of_crs
from planner.settings import MISSION_SETTING_FIELDS, Settings
from planner.values import boolean, number


class Role(StrEnum):
    """What a mission feature is (its ``properties.role``)."""

    TARGET = "target"
    HOME = "home"
    LANDING = "landing"
    KEEP_OUT = "keep_out"
    FEATURELESS = "featureless"
    """Ground the operator knows is featureless (sand, dust): no texture for a camera to track."""


ROLES = tuple(r.value for r in Role)


class Surface(StrEnum):
    """The surface of a target whose ground sample distance a photo is judged by."""

    GROUND = "ground"
    """Lying on the ground (rocks, tracks, debris): its normal points up."""
    UPRIGHT = "upright"
    """Standing up and facing the camera (a rover's side, a wall): its normal is level."""


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


@dataclass(frozen=True)
class KeepOut:
    """A zone the vehicle must never fly over, grown by ``buffer_m``."""

    index: int
    name: str
    geometry: Polygon | MultiPolygon
    buffer_m: float = 0.0


@dataclass(frozen=True)
class Featureless:
    """Ground marked featureless by the mission."""

    index: int
    name: str
    geometry: Polygon | MultiPolygon


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

    @property
    def landing_site(self) -> Site:
        """Where the flight ends: the landing site, or home when none is given."""
        return self.landing if self.landing is not None else self.home


def load_mission(path: str | Path, *, body: str | None = None) -> Mission:
    """Read and validate a mission file.

    Parameters
    ----------
    path
        The GeoJSON file.
    body
        ``"mars"`` or ``"earth"`` to override what the file implies (its ``crs`` member, or
        RFC 7946 Earth without one). A ``crs`` on another body than ``body`` is an error.

    Raises
    ------
    MissionError
        For anything wrong in the file, naming the file, feature and field.
    """
    src = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MissionError("no such file", source=src) from None
    except IsADirectoryError:
        raise MissionError("is a directory, not a GeoJSON file", source=src) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MissionError(f"cannot be read ({exc})", source=src) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MissionError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                           source=src) from None
    return parse_mission(doc, source=src, body=body)


def parse_mission(doc: Any, *, source: str = "<mission>", body: str | None = None) -> Mission:
    """Validate a parsed GeoJSON document; see :func:`load_mission`."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise MissionError(f"not a GeoJSON FeatureCollection (type is {kind!r})", source=source)
    features = doc.get("features")
    if not isinstance(features, list):
        raise MissionError("'features' must be a list", source=source, field="features")

    settings = _parse_settings(doc.get("plan_flight"), source)
    body_name = body or settings.body
    mission_body, input_crs, to_geo = _resolve_crs(doc.get("crs"), body_name, source)

    home: Site | None = None
    landing: Site | None = None
    targets: list[Target] = []
    keep_outs: list[KeepOut] = []
    featureless: list[Featureless] = []
    names: dict[str, int] = {}
    for i, feat in enumerate(features):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise MissionError("not a GeoJSON Feature", source=source, feature=i)
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            raise MissionError("'properties' must be an object", source=source, feature=i,
                               field="properties")
        raw_name = props.get("name")
        name = str(raw_name) if raw_name is not None else None
        ctx: dict[str, Any] = {"source": source, "feature": i, "name": name}
        raw_role = props.get("role", Role.TARGET.value)
        if raw_role not in ROLES:
            raise MissionError(f"unknown role {raw_role!r} (expected one of {', '.join(ROLES)})",
                               field="role", **ctx)
        role = Role(raw_role)
        geom = _parse_geometry(feat.get("geometry"), to_geo, ctx)
        label = name or f"{role} {i}"
        if role in (Role.HOME, Role.LANDING):
            if not isinstance(geom, Point):
                raise MissionError(f"a {role} must be a Point, not a {geom.geom_type}",
                                   field="geometry", **ctx)
            site = Site(index=i, name=label, point=geom)
            if role == Role.HOME:
                if home is not None:
                    raise MissionError(f"a second home (the first is feature {home.index})",
                                       field="role", **ctx)
                home = site
            else:
                if landing is not None:
                    raise MissionError(f"a second landing site (the first is feature "
                                       f"{landing.index})", field="role", **ctx)
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
            keep_outs.append(KeepOut(index=i, name=label, geometry=geom,
                                     buffer_m=_number(props, "buffer_m", 0.0, ctx, minimum=0.0)))
        else:
            if not isinstance(geom, Point | LineString | Polygon):
                raise MissionError(f"a target must be a Point, LineString or Polygon, not a "
                                   f"{geom.geom_type}", field="geometry", **ctx)
            if not geom.is_valid:
                raise MissionError(f"invalid geometry: {shapely.is_valid_reason(geom)}",
                                   field="geometry", **ctx)
            if name is None:
                raise MissionError("a target needs a 'name'", field="name", **ctx)
            if name in names:
                raise MissionError(f"duplicate target name (also feature {names[name]})",
                                   field="name", **ctx)
            names[name] = i
            targets.append(_parse_target(i, name, geom, props, ctx))
    if home is None:
        raise MissionError("no feature with role 'home' (the take-off point)", source=source,
                           field="role")
    return Mission(source=source, body=mission_body, input_crs=input_crs, home=home,
                   landing=landing, targets=tuple(targets), keep_outs=tuple(keep_outs),
                   settings=settings, featureless=tuple(featureless))


def _parse_settings(raw: Any, source: str) -> Settings:
    if raw is None:
        return Settings()
    if not isinstance(raw, dict):
        raise MissionError("'plan_flight' must be an object", source=source, field="plan_flight")
    values: dict[str, Any] = {}
    for key in MISSION_SETTING_FIELDS:
        if key not in raw or raw[key] is None:
            continue
        val = raw[key]
        if key in ("body", "vehicle"):
            if not isinstance(val, str):
                raise MissionError("must be a string", source=source, field=f"plan_flight.{key}")
        else:
            try:
                val = number(val, minimum=0.0, exclusive_minimum=True)
            except ValueError as exc:
                raise MissionError(str(exc), source=source, field=f"plan_flight.{key}") from None
        values[key] = val
    if "body" in values and values["body"] not in BODIES:
        raise MissionError(f"unknown body {values['body']!r} (mars or earth)", source=source,
                           field="plan_flight.body")
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


def _parse_geometry(raw: Any, to_geo: Any, ctx: dict[str, Any]) -> BaseGeometry:
    if not isinstance(raw, dict):
        raise MissionError("missing geometry", field="geometry", **ctx)
    try:
        geom = shape(raw)
    except Exception as exc:  # shapely raises several kinds for malformed GeoJSON geometry
        raise MissionError(f"malformed {raw.get('type')!r} geometry ({exc})", field="geometry",
                           **ctx) from None
    if geom.is_empty:
        raise MissionError("empty geometry", field="geometry", **ctx)
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


def _parse_target(i: int, name: str, geom: BaseGeometry, props: dict[str, Any],
                  ctx: dict[str, Any]) -> Target:
    try:
        required = boolean(props.get("required", False))
    except ValueError as exc:
        raise MissionError(str(exc), field="required", **ctx) from None
    if isinstance(props.get("photos"), float):  # 2.0 is not a count of photos
        raise MissionError(f"must be a whole number in [1, 100], not {props['photos']!r}",
                           field="photos", **ctx)
    photos = int(_number(props, "photos", 1, ctx, minimum=1, maximum=100, whole=True))
    gsd = props.get("gsd_cm")
    gsd_cm = None if gsd is None else _number(props, "gsd_cm", 0.0, ctx, minimum=0.0,
                                               exclusive=True)
    az = props.get("view_azimuth_deg")
    view_az = None if az is None else _number(props, "view_azimuth_deg", 0.0, ctx) % 360.0
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
    )
