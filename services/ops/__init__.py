"""The operations room's own data: one-time sign-in links and web sessions."""
