"""Easel: the chat turn (contract, loop, model seam, events) and the HTTP app."""
