"""Plan exports: GeoJSON, QGroundControl, MAVLink waypoints, KML, CSV and a map."""
