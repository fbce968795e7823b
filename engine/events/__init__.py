"""Events derived from tracks: vehicle entered / left, with snapshots."""
