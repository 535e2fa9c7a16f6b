"""The Connect worker runtime shared by standalone and distributed mode: Worker, task runners."""
