# Primitive tests.
