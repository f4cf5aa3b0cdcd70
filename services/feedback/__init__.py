"""Citizen feedback ("phản ánh, kiến nghị"): filing, following, handling, deadlines, Open311."""
