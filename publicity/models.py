"""Tables of this capability arrive with its issue; the app is registered so the layout is stable."""
