"""Exchange with other qualitative analysis tools in the REFI-QDA format: the codebook as a
``.qdc`` file, the coded corpus as a ``.qdpx`` project, and codebooks read back in."""
