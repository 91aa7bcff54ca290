"""Single-word labels the dictionary matcher does not match: everyday words in job text.

Derived by ``python -m benchmarks.label_stoplist`` from the ESCO v1.1.1 bundle and SkillSkape
*train* sentences (no evaluated set): words whose skill was gold in under a quarter of the
training sentences that contain them, and words heading 100 or more labels of the release.
The encoder still reads these words in context.
"""

_WORDS = """
access accounting aesthetics agile algorithm algorithms assembly balance banking biology
biotechnology blueprints board brands casting choose clean colour communicating
communication computer conduct coordination craft crafting curiosity current dance data
database design draw drilling ecosystems electricity energy engineering equipment form fuel
gmp guide hair hearing history ict innovate integrity interaction ios it language lead light
literature livestock logistics measurement measuring mechanics mechanisms medicine
merchandise mould negotiate nutrition paint patterns physiotherapy plan press processes
protein psychology pumps radiation recovery report reporting reproduction retrieval scale
schedule schematics scripting security separation soldering source space standard surgery
survey sustainability tailoring transport typology warehouse welding
"""
STOPPED_LABELS = frozenset(_WORDS.split())
