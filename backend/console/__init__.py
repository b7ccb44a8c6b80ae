"""The staff console: static pages that build everything in the browser from the JSON API."""
