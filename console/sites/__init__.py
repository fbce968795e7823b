"""Sites: engines the console connects to (saved sites, the connect dialog, opening clients)."""
