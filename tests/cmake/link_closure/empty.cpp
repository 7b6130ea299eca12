// An empty translation unit for the link-closure fixture.
