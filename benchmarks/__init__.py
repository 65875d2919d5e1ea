"""Peer comparisons and the scale corpus generator (run by `make bench`, not by `make test`)."""
