"""The surfaces: each API Easel speaks, as a thin adapter from its wire format onto the turn or the image
service and back (ZarkAI chat, the image APIs), the SSE response they stream with, and the app that
assembles them. A surface never reaches into another surface."""
