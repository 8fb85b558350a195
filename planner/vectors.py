"""Missions from any vector file GDAL reads, through pyogrio.

KML, GeoPackage, a Shapefile or a folder of them, FlatGeobuf: whatever the GDAL in pyogrio opens.
The file's layers and their features, with the attributes as properties, become one GeoJSON-like
document that :func:`planner.mission.parse_mission` validates, so every rule and every message is
the one GeoJSON missions get. What a GIS file cannot say the way GeoJSON does is settled here:

- **Roles**: a feature's ``role`` attribute; without one, its layer's name (``home``,
  ``landing``, ``target``/``targets``, ``keep_out``/``keep_outs``, ``featureless``,
  ``plan_flight``, in any
  letter case, ``-`` or a space for ``_``); otherwise ``target``. A KML folder, a GeoPackage
  table and a Shapefile in a folder are each a layer.
- **Settings**: the one feature whose role is ``plan_flight`` (in a layer of that name, or with
  that ``role`` attribute), as in GeoJSON: its attributes are the settings and its ``name`` the
  mission's title; its geometry, if any, is ignored.
- **Coordinates**: each layer's own CRS (a Mars GeoPackage in ``IAU_2015:49900`` or in
  equirectangular metres is read as such); layers in several CRSs are brought into the first
  layer's; a layer without a CRS is taken to be in it. KML is lon/lat on the mission's body:
  the format always says WGS 84, but Google Earth's Mars mode and plan-flight's own Mars KML
  exports hold Mars lon/lat, so ``--body`` or the ``body`` setting decides (Earth by default).
  Heights (z) are dropped.
- **Values**: a null, NaN or empty text is an absent value. A known numeric field may be text
  holding a number (KML keeps every value as text); ``photos`` may be a whole real (2.0);
  ``required`` may be a boolean, the number 0 or 1, or text ``true``/``false``, ``yes``/``no``,
  ``t``/``f``, ``y``/``n``, ``1``/``0`` in any letter case (Shapefiles and KML have no booleans
  everywhere).
  Anything else reaches the mission's own checks and is refused there.
- **Field names**: known names match in any letter case (ArcGIS writes ``NAME``, KML ``Name``).
  Shapefiles cut names to 10 characters, so the long names have short forms accepted in every
  GDAL format (:data:`SHORT_NAMES`), and GDAL's own cuts ``min_stando`` and ``air_densit`` are
  read as the long names; ``view_azimu`` and ``view_azi_1`` could be either view field and are
  refused with that advice.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
import shapely.geometry

from planner.errors import MissionError, feature_label
from planner.mission import KEEP_OUT_KEYS, TARGET_KEYS
from planner.settings import MISSION_SETTING_FIELDS

SETTINGS_ROLE = "plan_flight"
"""The role (and layer name) of the feature that holds mission-wide settings."""
LAYER_ROLES = {"home": "home", "landing": "landing", "target": "target", "targets": "target",
               "keep_out": "keep_out", "keep_outs": "keep_out", "keepout": "keep_out",
               "keepouts": "keep_out", "featureless": "featureless",
               SETTINGS_ROLE: SETTINGS_ROLE}
"""Layer names (lower case, ``_`` for ``-`` and spaces) that give their features a role."""
SHORT_NAMES = {"view_az": "view_azimuth_deg", "view_tol": "view_azimuth_tolerance_deg",
               "standoff_m": "min_standoff_m", "air_kg_m3": "air_density_kg_m3",
               "max_obliq": "max_obliquity_deg",
               "min_stando": "min_standoff_m", "air_densit": "air_density_kg_m3",
               "max_obliqu": "max_obliquity_deg"}
"""Field names of at most 10 characters (a Shapefile's limit) for the long ones, with GDAL's
unambiguous cuts of them."""
AMBIGUOUS_CUTS = ("view_azimu", "view_azi_1", "view_azi_2")
"""GDAL's cuts of ``view_azimuth_deg`` and ``view_azimuth_tolerance_deg``: which is which
depends on the order the fields were made in."""
NUMERIC_KEYS = frozenset({"priority", "gsd_cm", "photos", "view_azimuth_deg",
                          "view_azimuth_tolerance_deg", "min_standoff_m", "buffer_m",
                          "altitude_m", "speed_m_s", "air_density_kg_m3", "max_obliquity_deg",
                          "height_m", "floor_m", "ceiling_m"})
BOOLEAN_KEYS = frozenset({"required"})
TRUE_TEXT = frozenset({"true", "t", "yes", "y", "1"})
FALSE_TEXT = frozenset({"false", "f", "no", "n", "0"})
KNOWN_KEYS = tuple(dict.fromkeys((*TARGET_KEYS, *KEEP_OUT_KEYS, *MISSION_SETTING_FIELDS)))
"""Every field name a mission feature or its settings know."""
EARTH_ONLY_DRIVERS = frozenset({"KML", "LIBKML"})
"""Formats whose CRS is WGS 84 by definition, used for Mars lon/lat all the same."""
KML_FIELDS = frozenset({"id", "description", "timestamp", "begin", "end", "altitudemode",
                        "tessellate", "extrude", "visibility", "draworder", "icon", "snippet"})
"""The fields GDAL's KML drivers give every placemark (``Name`` apart): styling, never a
mission's, so never taken for a misspelt one (``altitudeMode`` is not ``altitude_m``)."""


def _plain(key: str) -> str:
    return key.strip().lower().replace("-", "_").replace(" ", "_")


def read_vector_mission(path: str | Path, *,
                        source: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """Read a GDAL vector file (or a folder of Shapefiles) as a mission document.

    Returns
    -------
    tuple
        The GeoJSON-like document :func:`planner.mission.parse_mission` takes, and for each of
        its features where it came from (``"layer 'targets' feature #3 (fid 3)"``: its place in
        its layer from 1, as every format's features are named, and its GDAL id as QGIS shows
        it), for error messages.

    Raises
    ------
    MissionError
        The file cannot be read by GDAL, has no layers, or cannot be one mission (layers whose
        CRSs cannot be related, an ambiguous cut field name).
    """
    import pyogrio

    src = source or str(path)
    p = Path(path)
    if not p.exists():
        raise MissionError("no such file", source=src)
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(p)]
    except Exception as exc:  # pyogrio raises its own DataSourceError and GDAL's
        what = "a folder with no vector layers" if p.is_dir() else \
            "not a mission file: neither GeoJSON nor a vector file GDAL reads"
        raise MissionError(f"{what} ({_first_line(exc)})", source=src) from None
    if not layers:
        raise MissionError("has no layers", source=src)

    features: list[dict[str, Any]] = []
    locations: list[str] = []
    doc_crs: pyproj.CRS | None = None
    body_lonlat = False
    for layer in layers:
        data = _read_layer(p, layer, src)
        if data.driver in EARTH_ONLY_DRIVERS:
            body_lonlat = True
        to_doc = None
        if data.crs is not None and not body_lonlat:
            if doc_crs is None:
                doc_crs = data.crs
            elif not data.crs.equals(doc_crs, ignore_axis_order=True):
                to_doc = _transformer(data.crs, doc_crs, layer, src)
        layer_role = LAYER_ROLES.get(_plain(layer))
        for k, (fid, wkb, attrs) in enumerate(data.rows):
            where = f"layer {layer!r} {feature_label(k)} (fid {fid})"
            if data.driver in EARTH_ONLY_DRIVERS:
                attrs = {k: v for k, v in attrs.items()  # noqa: PLW2901
                         if _plain(k) not in KML_FIELDS}
            props = _properties(attrs, where, src)
            if "role" not in props and layer_role is not None:
                props["role"] = layer_role
            features.append({"type": "Feature", "properties": props,
                             "geometry": _geometry(wkb, to_doc)})
            locations.append(where)

    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if doc_crs is not None:
        doc["crs"] = _crs_name(doc_crs)
    return doc, locations


class _Layer:
    """One layer's rows: ``(fid, WKB or None, attributes)``, its CRS and its driver."""

    def __init__(self, rows: list[tuple[int, bytes | None, dict[str, Any]]],
                 crs: pyproj.CRS | None, driver: str) -> None:
        self.rows = rows
        self.crs = crs
        self.driver = driver


def _read_layer(path: Path, layer: str, src: str) -> _Layer:
    import pyogrio
    from pyogrio import raw

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. measured (M) geometries read as 2-D
            meta, fids, geoms, columns = raw.read(path, layer=layer, force_2d=True,
                                                  return_fids=True)
    except Exception as exc:  # pyogrio's and GDAL's errors
        raise MissionError(f"layer {layer!r} cannot be read ({_first_line(exc)})",
                           source=src) from None
    crs = None
    if meta.get("crs"):
        try:
            crs = pyproj.CRS(meta["crs"])
        except pyproj.exceptions.CRSError:
            raise MissionError(f"layer {layer!r} has a CRS PROJ does not know",
                               source=src, field="crs") from None
    try:
        driver = str(pyogrio.read_info(path, layer=layer).get("driver") or "")
    except Exception:  # the layer was just read; its driver only matters for KML
        driver = ""
    names = [str(f) for f in meta["fields"]]
    rows = []
    for i, fid in enumerate(fids):
        attrs = {name: col[i] for name, col in zip(names, columns, strict=True)}
        wkb = None if geoms is None else geoms[i]
        rows.append((int(fid), wkb, attrs))
    return _Layer(rows, crs, driver)


def _properties(attrs: dict[str, Any], where: str, src: str) -> dict[str, Any]:
    """A feature's attributes as mission properties (see the module docstring)."""
    props: dict[str, Any] = {}
    raw_of: dict[str, str] = {}
    for raw_key, raw_value in attrs.items():
        value = _python(raw_value)
        if value is None:
            continue
        plain = _plain(raw_key)
        if plain in AMBIGUOUS_CUTS:
            raise MissionError("a Shapefile's cut (10 characters) of view_azimuth_deg or "
                               "view_azimuth_tolerance_deg: name the fields view_az and "
                               "view_tol", source=src, feature=where, field=raw_key)
        key = SHORT_NAMES.get(plain, plain if plain in KNOWN_KEYS else raw_key)
        if key in props:
            # The long name and a short or other-case one: which the user meant cannot be
            # told (as in GeoJSON, planner.mission._known_keys).
            raise MissionError(f"given twice, as {raw_of[key]!r} and {raw_key!r}: keep one",
                               source=src, feature=where, field=key)
        raw_of[key] = raw_key
        props[key] = _value(key, value)
    return props


def _python(value: Any) -> Any:
    """A numpy scalar as a plain Python value; nulls, NaN and empty text as ``None``."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        if isinstance(value, np.datetime64):
            return None if np.isnat(value) else str(value)
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, bytes):
        return None  # binary fields (GeoPackage BLOBs) mean nothing to a mission
    return value


def _value(key: str, value: Any) -> Any:
    """A known field's value in the type the mission wants, where the format could not say."""
    if key in BOOLEAN_KEYS:
        if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
            return bool(value)  # a DBF number field (integer or real) of 0 and 1
        if isinstance(value, str):
            text = value.strip().lower()
            if text in TRUE_TEXT:
                return True
            if text in FALSE_TEXT:
                return False
        return value
    if key in NUMERIC_KEYS and isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return value
    return value


def _geometry(wkb: bytes | None, to_doc: pyproj.Transformer | None) -> dict[str, Any] | None:
    if wkb is None:
        return None
    geom = shapely.from_wkb(wkb)
    if to_doc is not None and not geom.is_empty:
        geom = shapely.transform(geom, lambda c: np.column_stack(to_doc.transform(c[:, 0],
                                                                                   c[:, 1])))
    out: dict[str, Any] = shapely.geometry.mapping(geom)
    return out


def _transformer(crs: pyproj.CRS, to: pyproj.CRS, layer: str, src: str) -> pyproj.Transformer:
    from planner.frames import body_of_crs

    try:
        same_body = body_of_crs(crs) == body_of_crs(to)
    except ValueError as exc:
        raise MissionError(f"layer {layer!r}: {exc}", source=src, field="crs") from None
    if not same_body:
        raise MissionError(f"layer {layer!r} is on {body_of_crs(crs).name}, the first layer on "
                           f"{body_of_crs(to).name}", source=src, field="crs")
    return pyproj.Transformer.from_crs(crs, to, always_xy=True)


def _crs_name(crs: pyproj.CRS) -> str:
    """A short name PROJ reads back: a body's own code, an authority code, PROJ string or WKT.

    GDAL writes Mars lon/lat as WKT 1 naming the authority ``IAU``, not ``IAU_2015``, so the
    bodies' geographic CRSs are recognised by comparison first.
    """
    from planner.frames import BODIES

    for body in BODIES.values():
        if crs.equals(body.crs, ignore_axis_order=True):
            return body.geographic_crs
    auth = crs.to_authority(min_confidence=90)
    if auth is not None:
        return f"{auth[0]}:{auth[1]}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "you will likely lose important information"
        text = crs.to_proj4()
    if text and pyproj.CRS(text).equals(crs, ignore_axis_order=True):
        return str(text)
    return str(crs.to_wkt())


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


__all__ = ["LAYER_ROLES", "SETTINGS_ROLE", "SHORT_NAMES", "read_vector_mission"]

