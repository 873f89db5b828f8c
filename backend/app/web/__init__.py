"""The web front end: the DM console at ``/`` and the player view at
``/play/<token>``, plain HTML, CSS and JavaScript modules served as they are."""
