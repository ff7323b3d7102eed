"""Browser visualizer of the partnership model: ``partnership viz`` (or ``make viz``) serves it.

Mesa house style: the page is built at import as ``page``; ``solara run simulation/app.py`` and
Jupyter (``from simulation.app import page; page``) both display it.  Everything it shows and
every control lives in ``simulation/viz/``; texts are in ``simulation/i18n.py``.
"""

from simulation.viz.page import PartnershipViz

page = PartnershipViz()
page  # noqa: B018
