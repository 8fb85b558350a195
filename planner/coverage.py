"""Area targets: parallel image strips over a polygon larger than one frame.

A Polygon target is *surveyed* when it does not fit one image at its GSD, or when it names a
strip setting (``sidelap_pct``, ``overlap_pct``, ``strip_azimuth_deg``). Its images are laid on
parallel strips, as a ground station's mapping mission lays them:

- **height**: the GSD is the one at the image centre (the principal point), as photogrammetry
  quotes it (a nadir image's corners are coarser by 1/cos² of their angle off the axis); for a
  camera looking ``dep`` below the horizon it is ``h · ifov / sin²(dep)`` on level ground, so the
  height above ground is ``gsd · sin²(dep) / ifov``, held above the ground under every image
  (the station's height is above its own ground, so the GSD holds over relief);
- **frame**: the image's outline on level ground. A gimbal looks straight down and uses all of
  it; a fixed oblique camera (Ingenuity's, 22° down) only the part nearer than the image centre,
  where the GSD is at least as fine as asked, and its station stands back from that part;
- **strips**: across-strip spacing = frame width x (1 - sidelap), image spacing along a strip =
  frame length x (1 - overlap); enough strips to span the polygon, centred on it, and on each
  strip images from one end of the polygon's band to the other;
- **azimuth**: ``strip_azimuth_deg``, or the one that minimises the estimated flight time (the
  vehicle model's legs and hovers for every image and every turn between strips) among every
  5° and every edge of the polygon (a strip parallel to an edge is the classic optimum);
- **cuts**: an image whose station lies in a keep-out zone, a flight hazard (nodata included),
  or off the terrain is dropped, and so is one whose station lies inside a keep-out that has
  heights (a tower standing higher than the survey's height plus the clearance, a band of
  airspace the survey's height falls in) or whose view of its centre passes through a thing
  that stands up, as for a point target's stations (:mod:`planner.viewpoints`); what no
  remaining image sees is reported with its area.

Each image is a camera station of its own, a "cell" the route search takes or leaves like a
target's view (:class:`~planner.viewpoints.TargetStations` with ``view`` = the image's number):
it enters and leaves a strip at either end as the route finds cheapest, and takes part of an
area when the battery cannot hold all of it; the area's priority is shared among its images.
A vehicle whose camera is fired by distance (``survey_capture = "distance"``) flies a strip's
images through, at the speed :func:`strip_speed_m_s` gives (motion blur, trigger interval),
stopping only at its first and last (:func:`planner.plan.through_runs`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from planner.camera import Pointing, footprint
from planner.following import MIN_SPEED_M_S, SPEED_STEP_M_S
from planner.local import Volume, leg_enters, sight_blocked
from planner.mission import Target
from planner.profiles import CameraSpec, Mount
from planner.vehicle import Vehicle
from planner.viewpoints import Station, TargetStations
from terrain.analysis import ray_to_ground
from terrain.dem import DEM

if TYPE_CHECKING:
    from planner.plan import FlightPlan

DEFAULT_SIDELAP_PCT = 70.0
"""Side overlap between neighbouring strips by default: DJI's mapping missions (DJI Pilot 2,
DJI Terra) default to 70 % side and 80 % front overlap, what photogrammetric matching needs over
ordinary ground (Pix4D asks at least 60 % side and 75 % front)."""
DEFAULT_OVERLAP_PCT = 80.0
"""Front overlap between successive images on a strip by default; see
:data:`DEFAULT_SIDELAP_PCT`."""
AZIMUTH_STEP_DEG = 5.0
"""Candidate strip azimuths, besides the polygon's edges: a 5° step changes a strip's length
across a 100 m field by under 9 m, less than one image spacing at any useful overlap."""
ADJUST_STEPS = 4
"""Times a survey station is lowered until the GSD holds where its axis meets the terrain: each
step scales the height by the GSD's ratio, so it converges in one or two on any slope the
vehicle can fly over."""
FILL_ROUNDS = 3
"""Rounds of gap-filling images (:func:`_fill`): a gap piece smaller than an image is covered by
the one image centred on it; what a piece larger than that leaves is filled in the next round,
and a gap still open after three is one the obstacles hold open (reported as unseen)."""
NADIR_DEPRESSION_DEG = 90.0
"""A gimbal camera maps looking straight down."""
MAX_BLUR_PX = 0.5
"""Most motion blur of an image taken in motion, in pixels of its GSD: ground speed x exposure
<= half a pixel. Half a pixel spreads a ground point over no more than the two pixels it may
fall between anyway, so the image keeps its GSD; the usual mapping rule of thumb keeps the
smear under one GSD (Phase One knowledge base KA-01341, "exposure ... no greater than 1 pixel
based on the GSD"; Drones Made Easy, Map Pilot, "Motion Blur": "keep your ground smear to
less than your GSD"), which halves the resolution along the track."""
STRIP_STEP_TOL_M = 0.01
"""Two consecutive images of a route are on one strip flown through when they are one image
spacing apart along their common heading to within a centimetre: far below any position
error, so a strip's images are evenly spaced for the trigger."""


def survey_keys(spec: Target) -> bool:
    """Whether the target names a strip setting (which makes any polygon or line a survey)."""
    return spec.sidelap_pct is not None or spec.overlap_pct is not None or \
        spec.strip_azimuth_deg is not None or spec.corridor_width_m is not None


@dataclass(frozen=True)
class FrameShape:
    """An image on level ground, seen from a station at the origin heading north.

    ``width_m`` across the strip (the narrowest across its used part), ``length_m`` along it,
    ``ahead_m`` from the station to the middle of the used part, ``outline`` the used part.
    """

    agl_m: float
    depression_deg: float
    pitch_deg: float
    width_m: float
    length_m: float
    ahead_m: float
    outline: Polygon
    gsd_cm: float


def depression_deg(camera: CameraSpec) -> float:
    """How far below the horizon the camera's axis looks when mapping."""
    if camera.mount == Mount.FIXED:
        return -camera.fixed_pitch_deg
    return min(NADIR_DEPRESSION_DEG, -camera.gimbal_pitch_min_deg)


def centre_gsd_cm(camera: CameraSpec, agl_m: float) -> float:
    """GSD on level ground at the image centre from a height above it, cm.

    Examples
    --------
    >>> from planner.profiles import CameraSpec, Mount
    >>> cam = CameraSpec("c", 4000, 3000, 60.0, 45.0, Mount.GIMBAL, gimbal_pitch_min_deg=-90.0)
    >>> round(centre_gsd_cm(cam, 50.0) / (50.0 * cam.ifov_rad * 100.0), 6)
    1.0
    """
    s = math.sin(math.radians(depression_deg(camera)))
    return agl_m * camera.ifov_rad * 100.0 / (s * s)


def frame_shape(camera: CameraSpec, agl_m: float) -> FrameShape:
    """The used part of an image taken ``agl_m`` above level ground (see the module notes)."""
    dep = depression_deg(camera)
    pitch = -dep
    out = image_footprint(camera, pitch, (0.0, 0.0, agl_m), 0.0, 0.0)
    if out.is_empty:
        raise ValueError("the camera's image does not meet the ground")
    x0, y0, x1, y1 = out.bounds
    eps = (y1 - y0) * 1e-6
    widths = [out.intersection(LineString([(x0 - 1, y), (x1 + 1, y)])).length
              for y in (y0 + eps, y1 - eps)]
    return FrameShape(agl_m=agl_m, depression_deg=dep, pitch_deg=pitch, width_m=min(widths),
                      length_m=y1 - y0, ahead_m=(y0 + y1) / 2, outline=out,
                      gsd_cm=centre_gsd_cm(camera, agl_m))


def survey_height(spec: Target, vehicle: Vehicle) -> tuple[float, str]:
    """The height above ground the area is mapped from, and why not if it cannot be.

    From the GSD when the target gives one (capped at the ceiling: lower is finer), else the
    cruise height.
    """
    p = vehicle.profile
    cam = vehicle.camera
    if spec.gsd_cm is None:
        return vehicle.cruise_altitude_agl_m, ""
    s = math.sin(math.radians(depression_deg(cam)))
    h = spec.gsd_cm / 100.0 * s * s / cam.ifov_rad
    if h < p.min_altitude_agl_m:
        return h, (f"a {spec.gsd_cm:g} cm GSD needs {h:.1f} m above ground, below "
                   f"{p.name}'s floor of {p.min_altitude_agl_m:g} m")
    return min(h, p.max_altitude_agl_m), ""


def survey_area(spec: Target, geom: BaseGeometry, vehicle: Vehicle,
                ) -> Polygon | MultiPolygon | None:
    """The ground a target's strips must cover, or None when it is photographed whole.

    A Polygon larger than one image (or naming a strip setting) is itself the area, and so is a
    MultiPolygon whose parts together span more than one image (each part is laid with strips
    of its own, :func:`layout`); a
    LineString longer than one image (or naming ``corridor_width_m`` or a strip setting) is a
    corridor: the ground within half its width of the line, cut square at its ends, the width
    by default one image's width (across the strip).
    """
    if not isinstance(geom, Polygon | MultiPolygon | LineString):
        return None
    h, why = survey_height(spec, vehicle)
    shape = frame_shape(vehicle.camera, max(h, 1e-3))
    if not survey_keys(spec):
        if why:
            return None  # no strips can be flown either: the station search says why
        rect = geom.minimum_rotated_rectangle
        if isinstance(rect, Polygon):
            c = shapely.get_coordinates(rect)
            sides = sorted(float(np.hypot(*(c[k + 1] - c[k]))) for k in range(2))
        else:  # a straight line's rectangle is the line itself
            sides = [0.0, float(rect.length)]
        frame = sorted((shape.width_m, shape.length_m))
        if sides[0] <= frame[0] and sides[1] <= frame[1]:
            return None
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    width = spec.corridor_width_m if spec.corridor_width_m is not None else shape.width_m
    out = geom.buffer(width / 2, cap_style="flat", join_style="round")
    return out if isinstance(out, Polygon) else None


def is_survey(spec: Target, geom: BaseGeometry, vehicle: Vehicle) -> bool:
    """Whether a target is mapped in strips (see :func:`survey_area`)."""
    return survey_area(spec, geom, vehicle) is not None


def strip_steps(spec: Target, shape: FrameShape) -> tuple[float, float]:
    """Across-strip spacing and along-strip image spacing (m), from the sidelap and overlap."""
    side = spec.sidelap_pct if spec.sidelap_pct is not None else DEFAULT_SIDELAP_PCT
    front = spec.overlap_pct if spec.overlap_pct is not None else DEFAULT_OVERLAP_PCT
    return shape.width_m * (1.0 - side / 100.0), shape.length_m * (1.0 - front / 100.0)


def survey_advance_m(spec: Target, vehicle: Vehicle) -> float:
    """The image spacing along a survey's strips (m), a strip's trigger distance."""
    h, _ = survey_height(spec, vehicle)
    return strip_steps(spec, frame_shape(vehicle.camera, max(h, 1e-3)))[1]


def through_speed_m_s(camera: CameraSpec, *, gsd_cm: float, spacing_m: float) -> float:
    """The fastest ground speed a strip can be flown through at, by its camera (m/s).

    Motion blur (speed x exposure <= :data:`MAX_BLUR_PX` of the finest GSD on the strip) and
    the camera's least interval between images (image spacing / interval). ``inf`` for a camera
    that stops to shoot.

    Examples
    --------
    >>> from planner.profiles import CameraSpec, Capture, Mount
    >>> cam = CameraSpec("c", 4000, 3000, 60.0, 45.0, Mount.GIMBAL,
    ...                  survey_capture=Capture.DISTANCE, exposure_s=0.001,
    ...                  min_trigger_interval_s=2.0)
    >>> through_speed_m_s(cam, gsd_cm=2.0, spacing_m=30.0)  # blur: 0.5 x 2 cm / 1 ms
    10.0
    >>> through_speed_m_s(cam, gsd_cm=2.0, spacing_m=10.0)  # interval: 10 m / 2 s
    5.0
    """
    if not camera.flies_through:
        return math.inf
    assert camera.exposure_s is not None
    assert camera.min_trigger_interval_s is not None
    blur = MAX_BLUR_PX * gsd_cm / 100.0 / camera.exposure_s
    return min(blur, spacing_m / camera.min_trigger_interval_s)


def strip_speed_m_s(vehicle: Vehicle, *, gsd_cm: float, spacing_m: float) -> float:
    """The ground speed a strip is flown through at (m/s), 0 if it cannot be.

    Cruise, or slower where the camera's blur or interval binds (:func:`through_speed_m_s`),
    rounded down to :data:`~planner.following.SPEED_STEP_M_S`; 0 below
    :data:`~planner.following.MIN_SPEED_M_S` (the strip is then stop and shoot).
    """
    fast = min(vehicle.cruise_speed_m_s,
               through_speed_m_s(vehicle.camera, gsd_cm=gsd_cm, spacing_m=spacing_m))
    v = math.floor(fast / SPEED_STEP_M_S + 1e-9) * SPEED_STEP_M_S
    return v if v >= MIN_SPEED_M_S else 0.0


def strip_step(a: Station, b: Station, spacing_m: float) -> int:
    """+1 (-1) when ``b`` is the next image after ``a`` on a strip, along (against) its heading.

    Both look the same way and ``b`` lies one image spacing from ``a`` along that heading,
    to :data:`STRIP_STEP_TOL_M` along and across; else 0.
    """
    h = a.pointing.heading_deg
    dh = abs((b.pointing.heading_deg - h + 180.0) % 360.0 - 180.0)
    if dh > 1e-6:
        return 0
    ux, uy = math.sin(math.radians(h)), math.cos(math.radians(h))
    dx, dy = b.x - a.x, b.y - a.y
    along, across = dx * ux + dy * uy, dx * uy - dy * ux
    if abs(abs(along) - spacing_m) > STRIP_STEP_TOL_M or abs(across) > STRIP_STEP_TOL_M:
        return 0
    return 1 if along > 0 else -1


def corridor_width_m(spec: Target, shape: FrameShape) -> float:
    """A corridor's width: as given, or one image's width across the strip."""
    return spec.corridor_width_m if spec.corridor_width_m is not None else shape.width_m


@dataclass(frozen=True)
class Image:
    """One image of a survey: station, heading, the ground it covers and its strip."""

    x: float
    y: float
    heading_deg: float
    strip: int
    centre: tuple[float, float]


@dataclass(frozen=True)
class Layout:
    """A survey's images and what they leave unseen."""

    azimuth_deg: float
    shape: FrameShape
    spacing_m: float
    advance_m: float
    images: tuple[Image, ...]
    dropped: int
    area_m2: float
    covered: BaseGeometry
    reason: str = ""

    @property
    def unseen_m2(self) -> float:
        """Area of the polygon no image of the layout covers."""
        return max(self.area_m2 - float(self.covered.area), 0.0)


def _strips(geom: Polygon, shape: FrameShape, azimuth: float, spacing: float,
            advance: float) -> list[Image]:
    """Images over ``geom`` on strips running towards ``azimuth`` (unclipped by obstacles)."""
    c = geom.centroid
    # Rotate so the strips run along +v (north): a compass azimuth a is a clockwise angle.
    rot = affinity.rotate(geom, azimuth, origin=c)
    u0, v0, u1, v1 = rot.bounds
    width = u1 - u0
    n = max(1, math.ceil(max(width - shape.width_m, 0.0) / spacing - 1e-9) + 1)
    us = (u0 + u1) / 2 + (np.arange(n) - (n - 1) / 2) * spacing
    images: list[Image] = []
    ang = math.radians(azimuth)
    cos_a, sin_a = math.cos(ang), math.sin(ang)

    def back(u: float, v: float) -> tuple[float, float]:
        # Undo the clockwise rotation by azimuth about the centroid.
        du, dv = u - c.x, v - c.y
        return c.x + du * cos_a + dv * sin_a, c.y - du * sin_a + dv * cos_a

    for k, u in enumerate(us):
        band = rot.intersection(box(u - shape.width_m / 2, v0 - 1, u + shape.width_m / 2,
                                    v1 + 1))
        if band.is_empty:
            continue
        parts = getattr(band, "geoms", [band])
        spans = sorted((p.bounds[1], p.bounds[3]) for p in parts if not p.is_empty)
        merged: list[list[float]] = []
        for a, b in spans:  # pieces of the band closer than one image merge into one run
            if merged and a <= merged[-1][1] + shape.length_m:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        forward = k % 2 == 0  # a serpentine: every other strip flown the other way
        heading = azimuth % 360.0 if forward else (azimuth + 180.0) % 360.0
        runs = merged if forward else merged[::-1]
        for a, b in runs:
            m = max(1, math.ceil(max(b - a - shape.length_m, 0.0) / advance - 1e-9) + 1)
            vs = (a + b) / 2 + (np.arange(m) - (m - 1) / 2) * advance
            if not forward:
                vs = vs[::-1]
            for v in vs:
                sv = v - shape.ahead_m if forward else v + shape.ahead_m
                sx, sy = back(float(u), float(sv))
                cx, cy = back(float(u), float(v))
                images.append(Image(sx, sy, heading, k, (cx, cy)))
    return images


def _corridor_strips(line: LineString, shape: FrameShape, width: float, spacing: float,
                     advance: float) -> list[Image]:
    """Images on strips parallel to a line, following its bends, over ``width`` across it."""
    n = max(1, math.ceil(max(width - shape.width_m, 0.0) / spacing - 1e-9) + 1)
    images: list[Image] = []
    for k in range(n):
        offset = (k - (n - 1) / 2) * spacing
        curve: BaseGeometry = line if abs(offset) < 1e-9 else line.offset_curve(offset)
        parts = [g for g in getattr(curve, "geoms", [curve]) if isinstance(g, LineString)]
        if not parts:
            continue
        strip = max(parts, key=lambda g: g.length)
        length = strip.length
        m = max(1, math.ceil(max(length - shape.length_m, 0.0) / advance - 1e-9) + 1)
        ss = np.clip(length / 2 + (np.arange(m) - (m - 1) / 2) * advance, 0.0, length)
        forward = k % 2 == 0
        if not forward:
            ss = ss[::-1]
        for s_ in ss:
            a = strip.interpolate(max(float(s_) - 0.5, 0.0))
            b = strip.interpolate(min(float(s_) + 0.5, length))
            heading = math.degrees(math.atan2(b.x - a.x, b.y - a.y)) % 360.0
            if not forward:
                heading = (heading + 180.0) % 360.0
            c = strip.interpolate(float(s_))
            h = math.radians(heading)
            sx, sy = c.x - shape.ahead_m * math.sin(h), c.y - shape.ahead_m * math.cos(h)
            images.append(Image(sx, sy, heading, k, (c.x, c.y)))
    return images


def _estimate_s(images: list[Image], vehicle: Vehicle, photos: int) -> float:
    """Flight time of the images in layout order: legs between them, hovers, turns."""
    if not images:
        return math.inf
    xy = np.array([(im.x, im.y) for im in images])
    d = np.hypot(*np.diff(xy, axis=0).T) if len(images) > 1 else np.zeros(0)
    t, _ = vehicle.leg(d, np.zeros_like(d), np.zeros_like(d), stops=2)
    turns = sum(1 for a, b in itertools.pairwise(images) if a.strip != b.strip)
    yaw = 180.0 / vehicle.profile.yaw_rate_deg_s if vehicle.camera.mount == Mount.FIXED else 0.0
    return float(np.sum(t)) + len(images) * photos * vehicle.camera.photo_hover_s + turns * yaw


def image_footprint(camera: CameraSpec, pitch_deg: float, station: tuple[float, float, float],
                    heading: float, ground_z: float) -> Polygon:
    """The used part of an image on level ground at ``ground_z`` (see :func:`frame_shape`)."""
    h = station[2] - ground_z
    if h <= 0:
        return Polygon()
    fp: BaseGeometry = footprint(camera, (0.0, 0.0, h), 0.0, pitch_deg, 0.0, max_range_m=1e6)
    if -pitch_deg < 89.999:  # only nearer than the image centre
        centre = h / math.tan(math.radians(-pitch_deg))
        fp = fp.intersection(box(-1e6, -1e6, 1e6, centre))
    # Compass headings turn clockwise; shapely's rotation is anticlockwise.
    out = affinity.translate(affinity.rotate(fp, -heading, origin=(0.0, 0.0)), station[0],
                             station[1])
    return out if isinstance(out, Polygon) else Polygon()


def _flyable(xs: NDArray[np.float64], ys: NDArray[np.float64], centres: NDArray[np.float64],
             agl_m: NDArray[np.float64], *, dem: DEM, obstacles: BaseGeometry,
             volumes: tuple[Volume, ...], solids: tuple[Volume, ...]) -> NDArray[np.bool_]:
    """Which survey stations may be flown to and see their image's centre.

    A station ``agl_m`` above the ground at ``(xs, ys)`` must lie on known terrain, outside the
    obstacles and every volume (a keep-out with heights, as :func:`planner.local.leg_enters`
    judges a leg), and see the ground at its image centre (``centres``, rows of x, y) past every
    thing that stands up (``solids``, as :func:`planner.local.sight_blocked` judges a point
    target's view).
    """
    ground = dem.sample(xs, ys)
    ok = np.isfinite(ground) & dem.contains(xs, ys, margin=dem.resolution)
    if len(xs):
        ok &= ~shapely.intersects_xy(obstacles, xs, ys)
    agl = np.broadcast_to(np.asarray(agl_m, dtype=np.float64), np.shape(xs))
    for v in volumes:
        ok &= ~leg_enters(v, xs, ys, agl)
    if solids and len(xs):
        gc = dem.sample(centres[:, 0], centres[:, 1])
        for i in np.flatnonzero(ok):
            if not math.isfinite(float(gc[i])):
                continue  # an unknown centre: judged by the station search (ray to ground)
            hidden = sight_blocked(solids, dem.sample,
                                   (float(xs[i]), float(ys[i]), float(ground[i] + agl[i])),
                                   (float(centres[i, 0]), float(centres[i, 1]), float(gc[i])),
                                   step=dem.resolution / 2)
            ok[i] = hidden is None
    return np.asarray(ok, dtype=bool)


def _target_area(spec: Target, geom: Polygon | MultiPolygon | LineString,
                 shape: FrameShape) -> BaseGeometry:
    """The ground to cover: the polygon, or the corridor around the line."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    return geom.buffer(corridor_width_m(spec, shape) / 2, cap_style="flat", join_style="round")


def layout(spec: Target, geom: Polygon | MultiPolygon | LineString, *, vehicle: Vehicle,
           dem: DEM, obstacles: BaseGeometry, volumes: tuple[Volume, ...] = (),
           solids: tuple[Volume, ...] = ()) -> Layout:
    """Lay the survey's strips, choose their azimuth, and cut them by the obstacles.

    A corridor's strips follow its line (``strip_azimuth_deg`` does not apply). ``volumes`` are
    the keep-outs that have heights (as the planner grows them), ``solids`` the things that
    stand up and block the view (see :func:`_flyable`). A MultiPolygon's parts are laid one by
    one, each with the azimuth quickest for it, their strips numbered on from the last part's;
    the layout's azimuth is its largest part's.
    """
    if not isinstance(geom, MultiPolygon):
        return _layout_one(spec, geom, vehicle=vehicle, dem=dem, obstacles=obstacles,
                           volumes=volumes, solids=solids)
    parts = sorted(geom.geoms, key=lambda g: -g.area)
    lays = [_layout_one(spec, g, vehicle=vehicle, dem=dem, obstacles=obstacles,
                        volumes=volumes, solids=solids) for g in parts]
    images: list[Image] = []
    for lay in lays:
        first = (max(im.strip for im in images) + 1) if images else 0
        images += [replace(im, strip=im.strip + first) for im in lay.images]
    big = lays[0]
    return replace(big, images=tuple(images), dropped=sum(la.dropped for la in lays),
                   area_m2=float(geom.area),
                   covered=shapely.union_all([la.covered for la in lays]),
                   reason="" if images else big.reason)


def _layout_one(spec: Target, geom: Polygon | LineString, *, vehicle: Vehicle, dem: DEM,
                obstacles: BaseGeometry, volumes: tuple[Volume, ...] = (),
                solids: tuple[Volume, ...] = ()) -> Layout:
    """:func:`layout` of one polygon or line."""
    cam = vehicle.camera
    h, why = survey_height(spec, vehicle)
    shape = frame_shape(cam, max(h, 1e-3))
    target_area = _target_area(spec, geom, shape)
    area = float(target_area.area)
    if why:
        return Layout(0.0, shape, 0.0, 0.0, (), 0, area, Polygon(), why)
    spacing, advance = strip_steps(spec, shape)
    if isinstance(geom, LineString):
        best: tuple[float, float, list[Image]] | None = (
            0.0, 0.0, _corridor_strips(geom, shape, corridor_width_m(spec, shape), spacing,
                                       advance))
        candidates: list[float] = []
    elif spec.strip_azimuth_deg is not None:
        best = None
        candidates = [spec.strip_azimuth_deg % 360.0]
    else:
        best = None
        c = np.asarray(geom.exterior.coords)
        edges = np.degrees(np.arctan2(np.diff(c[:, 0]), np.diff(c[:, 1]))) % 180.0
        candidates = sorted({round(float(a), 3) for a in
                             [*np.arange(0.0, 180.0, AZIMUTH_STEP_DEG), *edges]})
    for az in candidates:
        assert isinstance(geom, Polygon)
        imgs = _strips(geom, shape, az, spacing, advance)
        t = _estimate_s(imgs, vehicle, spec.photos)
        if best is None or t < best[0] - 1e-9:
            best = (t, az, imgs)
    assert best is not None
    _, azimuth, images = best
    shapely.prepare(obstacles)
    ok = _flyable(np.array([im.x for im in images]), np.array([im.y for im in images]),
                  np.array([im.centre for im in images]).reshape(-1, 2),
                  np.full(len(images), shape.agl_m), dem=dem, obstacles=obstacles,
                  volumes=volumes, solids=solids)
    kept = [im for im, good in zip(images, ok, strict=True) if good]
    covered = _covered(target_area, cam, shape, kept, dem)
    if kept:
        kept, covered = _fill(target_area, kept, covered, shape=shape, camera=cam, dem=dem,
                              obstacles=obstacles, volumes=volumes, solids=solids)
    reason = "" if kept else ("every image's station lies in a keep-out zone or hazard, or "
                              "off the terrain, or sees its ground through a thing that "
                              "stands up")
    return Layout(azimuth, shape, spacing, advance, tuple(kept), len(images) - len(kept), area,
                  covered, reason)


def _fill(area: BaseGeometry, images: list[Image], covered: BaseGeometry, *, shape: FrameShape,
          camera: CameraSpec, dem: DEM, obstacles: BaseGeometry,
          volumes: tuple[Volume, ...] = (), solids: tuple[Volume, ...] = (),
          ) -> tuple[list[Image], BaseGeometry]:
    """Images added over the gaps the strips leave (outside a corridor's bends, beside a cut).

    Each gap piece larger than a terrain cell outside the obstacles gets one image centred on
    it, heading as the nearest strip image, if its station may be flown to and sees it
    (:func:`_flyable`); a piece smaller
    than an image is then covered. Repeated :data:`FILL_ROUNDS` times for what a piece's image
    leaves over.
    """
    images = list(images)
    for _ in range(FILL_ROUNDS):
        gap = area.difference(covered).difference(obstacles)
        pieces = [g for g in getattr(gap, "geoms", [gap])
                  if isinstance(g, Polygon) and g.area > dem.resolution ** 2]
        added = []
        for piece in pieces:
            c = piece.representative_point()
            near = min(images, key=lambda im: math.hypot(im.centre[0] - c.x, im.centre[1] - c.y))
            h = math.radians(near.heading_deg)
            sx, sy = c.x - shape.ahead_m * math.sin(h), c.y - shape.ahead_m * math.cos(h)
            if not _flyable(np.array([sx]), np.array([sy]), np.array([[c.x, c.y]]),
                            np.array([shape.agl_m]), dem=dem, obstacles=obstacles,
                            volumes=volumes, solids=solids)[0]:
                continue
            added.append(Image(sx, sy, near.heading_deg, near.strip, (c.x, c.y)))
        if not added:
            break
        images += added
        covered = shapely.union_all([covered, _covered(area, camera, shape, added, dem)])
    return images, covered


def _covered(geom: BaseGeometry, camera: CameraSpec, shape: FrameShape, images: list[Image],
             dem: DEM) -> BaseGeometry:
    if not images:
        return Polygon()
    fps = []
    for im in images:
        g = float(dem.sample(im.x, im.y))
        gc = float(dem.sample(*im.centre))
        gc = gc if math.isfinite(gc) else g
        fps.append(image_footprint(camera, shape.pitch_deg, (im.x, im.y, g + shape.agl_m),
                                   im.heading_deg, gc))
    return shapely.union_all(fps).intersection(geom)


def survey_stations(idx: int, spec: Target, geom: Polygon | MultiPolygon | LineString, *,
                    vehicle: Vehicle,
                    dem: DEM, obstacles: BaseGeometry, volumes: tuple[Volume, ...] = (),
                    solids: tuple[Volume, ...] = ()) -> tuple[list[TargetStations], Layout]:
    """One :class:`TargetStations` per image of the survey (its ``view``), and the layout.

    A station lowered to hold the GSD (see :data:`ADJUST_STEPS`) is judged again at its own
    height, with its view of the point where its axis meets the terrain (:func:`_flyable`);
    the layout returned counts only the images kept, and what they cover.
    """
    lay = layout(spec, geom, vehicle=vehicle, dem=dem, obstacles=obstacles, volumes=volumes,
                 solids=solids)
    if not lay.images:
        return [TargetStations(idx, (), lay.reason)], lay
    out = []
    shape = lay.shape
    cam = vehicle.camera
    floor = vehicle.profile.min_altitude_agl_m
    kept = []
    for im in lay.images:
        g = float(dem.sample(im.x, im.y))
        agl = shape.agl_m
        # The image centre where the axis meets the terrain, not level ground: ground falling
        # away ahead of an oblique camera takes it farther and coarser, so the station comes
        # down by the ratio until the GSD holds (a nadir camera's axis meets the ground below).
        for _ in range(ADJUST_STEPS):
            hit = ray_to_ground(dem, (im.x, im.y, g + agl), im.heading_deg, shape.depression_deg)
            if hit is None:
                break
            slant = math.dist((im.x, im.y, g + agl), hit)
            gsd = slant * cam.ifov_rad * 100.0 / math.sin(math.radians(shape.depression_deg))
            if spec.gsd_cm is None or gsd <= spec.gsd_cm * (1.0 + 1e-9):
                if _flyable(np.array([im.x]), np.array([im.y]), np.array([hit[:2]]),
                            np.array([agl]), dem=dem, obstacles=obstacles, volumes=volumes,
                            solids=solids)[0]:
                    kept.append((im, g, agl, hit, slant, gsd))
                break
            agl = agl * spec.gsd_cm / gsd * (1.0 - 1e-3)
            if agl < floor:
                break
    n = len(kept)
    if n < len(lay.images):
        images = [k[0] for k in kept]
        lay = replace(lay, images=tuple(images), dropped=lay.dropped + len(lay.images) - n,
                      covered=_covered(_target_area(spec, geom, shape), cam, shape, images,
                                       dem))
    for k, (im, g, agl, hit, slant, gsd) in enumerate(kept):
        ptg = Pointing(heading_deg=im.heading_deg, pitch_deg=shape.pitch_deg,
                       slant_range_m=slant, gsd_cm=gsd, in_frame=True,
                       obliquity_deg=90.0 - shape.depression_deg)
        st = Station(target=idx, x=im.x, y=im.y, ground_m=g, agl_m=agl, pointing=ptg,
                     aim=hit, view=k)
        out.append(TargetStations(idx, (st,), "", view=k, views=n))
    if not out:
        return [TargetStations(idx, (), "no image's centre is on known ground at the GSD")], lay
    return out, lay


def covered_by(camera: CameraSpec, geom: BaseGeometry,
               photos: list[tuple[tuple[float, float, float], float, float, float]],
               ) -> BaseGeometry:
    """The part of ``geom`` the photos cover: each ``(station, heading, pitch, ground_z)``.

    An oblique image counts only nearer than its centre (see :func:`frame_shape`).
    """
    if not photos:
        return Polygon()
    fps = [image_footprint(camera, pitch, station, heading, gz)
           for station, heading, pitch, gz in photos]
    return shapely.union_all(fps).intersection(geom) if fps else Polygon()


@dataclass(frozen=True)
class Coverage:
    """How much of an area a plan's images cover: the plan's ``coverage`` row."""

    target: str
    area_m2: float
    covered_m2: float
    images: int
    gsd_cm: float | None
    sidelap_pct: float
    overlap_pct: float
    required: bool

    @property
    def percent(self) -> float:
        """Share of the area covered, %."""
        return 100.0 * self.covered_m2 / self.area_m2 if self.area_m2 > 0 else 0.0

    @property
    def unseen_m2(self) -> float:
        """Area no image covers."""
        return max(self.area_m2 - self.covered_m2, 0.0)

    def words(self) -> str:
        """The row in words."""
        gsd = f" at {self.gsd_cm:g} cm/px" if self.gsd_cm is not None else ""
        return (f"{self.target}: {self.percent:.1f} % of {self.area_m2:,.0f} m²{gsd}, "
                f"{self.images} images, {self.overlap_pct:g} % overlap and "
                f"{self.sidelap_pct:g} % sidelap; {self.unseen_m2:,.0f} m² unseen")


@dataclass(frozen=True)
class Covered:
    """One surveyed area of a plan on the ground: what its images count, and what they cover."""

    target: Target
    area: BaseGeometry
    parts: tuple[Polygon, ...]
    """The part of each of the area's images that counts (see :func:`frame_shape`)."""
    covered: BaseGeometry


def plan_covered(plan: FlightPlan) -> list[Covered]:
    """Every area the plan's mission surveys in strips, with its images' counted parts."""
    out = []
    cam = plan.vehicle.camera
    for t, geom in zip(plan.mission.targets, plan.local.targets, strict=True):
        area = survey_area(t, geom, plan.vehicle)
        if area is None:
            continue
        parts = tuple(image_footprint(cam, ph.pitch_deg, ph.station, ph.heading_deg, ph.aim[2])
                      for ph in plan.photos if ph.target == t.name)
        covered = shapely.union_all(parts).intersection(area) if parts else Polygon()
        out.append(Covered(t, area, parts, covered))
    return out


def plan_coverage(plan: FlightPlan) -> list[Coverage]:
    """Coverage of every area the plan's mission surveys in strips, from the plan's photos."""
    out = []
    for c in plan_covered(plan):
        t = c.target
        out.append(Coverage(
            target=t.name, area_m2=float(c.area.area), covered_m2=float(c.covered.area),
            images=len(c.parts), gsd_cm=t.gsd_cm,
            sidelap_pct=DEFAULT_SIDELAP_PCT if t.sidelap_pct is None else t.sidelap_pct,
            overlap_pct=DEFAULT_OVERLAP_PCT if t.overlap_pct is None else t.overlap_pct,
            required=t.required))
    return out


__all__ = [
    "DEFAULT_OVERLAP_PCT",
    "DEFAULT_SIDELAP_PCT",
    "MAX_BLUR_PX",
    "Coverage",
    "Covered",
    "FrameShape",
    "Image",
    "Layout",
    "centre_gsd_cm",
    "covered_by",
    "frame_shape",
    "image_footprint",
    "is_survey",
    "layout",
    "plan_coverage",
    "plan_covered",
    "strip_speed_m_s",
    "strip_step",
    "strip_steps",
    "survey_advance_m",
    "survey_height",
    "survey_stations",
    "through_speed_m_s",
]
