"""Browser visualizer of the partnership model: ``partnership viz`` (or ``make viz``) serves it.

Mesa house style: the page is built at import as ``page``; ``solara run simulation/app.py`` and
Jupyter (``from simulation.app import page; page``) both display it.  Everything it shows and
every control lives in ``simulation/viz/``; texts are in ``simulation/locale/`` (see
``simulation/i18n.py``).  Importing this module compiles the model's kernels first, so the
server answers its first visitor with a page whose Step responds at once.
"""

from simulation.viz.page import PartnershipViz
from simulation.viz.session import warm_up

warm_up()
page = PartnershipViz()
page  # noqa: B018
