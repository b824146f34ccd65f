"""Easel Spaces: accounts, workspaces, keys, files, folders and their storage."""
