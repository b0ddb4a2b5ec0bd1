"""The Flask front end (search page, JSON API, feeds); it arrives with the web issue."""
