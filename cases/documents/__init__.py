"""Court documents: the locked-down PDF renderer (renderer.py) and, later, the template
registry, drafts and generated versions."""
