"""Easel tools: the tool protocol, image_gen and its engines."""
