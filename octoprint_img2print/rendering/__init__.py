"""Pictures img2print renders: a shaded solid (previews, G-code thumbnails), a lithophane lit from behind, and
small pictures of files for OctoPrint's file list."""
