// zlib, for the store snapshot's deflate stream (SQLite/SnapshotPack.swift). Debian: zlib1g-dev.
#include <zlib.h>
