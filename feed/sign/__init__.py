"""Signing: minisign signatures, TUF metadata and the key ring, all pure functions over bytes."""
