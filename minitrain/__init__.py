"""minitrain."""
