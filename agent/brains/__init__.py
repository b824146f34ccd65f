"""The brains: the model seam (`model.py`) and each chat model behind it: litellm's (any provider), the
offline router with the litellm custom provider that serves it, and the scripted model for tests."""
