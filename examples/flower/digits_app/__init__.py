"""minitrain's digits job as a Flower App."""
