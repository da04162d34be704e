"""Choosing features and models for a device: scores, filters, the lasso, wrappers,
scikit-learn's splitters, cross-validation and search under a device budget.

    F, p = select.f_classif(X, y)                          # scores.py (p-values: special.py)
    select.SelectKBest("f_classif", k=10).fit(X, y).get_support()          # filters.py
    path = select.lasso_path(X, y)                          # lasso.py: FISTA, duality gap
    select.RFE(n_features=3, alpha=0.1).fit(X, y).ranking_  # wrappers.py (closed-form ridge)
    for train, test in select.GroupKFold(5).split(X, y, groups=node): ...   # splitters.py
    result = select.cross_validate(model, loss, opt, X, y, cv=select.GroupKFold(5),
                                   groups=node, epochs=10)                   # cv.py
    table = select.grid_search(build, {"width": [16, 64]}, loss, X, y)      # search.py
    table.best(within="cortex-m4", training=True); table.one_se(); table.pareto()
"""

from .cv import *  # noqa: F403
from .filters import *  # noqa: F403
from .lasso import *  # noqa: F403
from .scores import *  # noqa: F403
from .search import *  # noqa: F403
from .splitters import *  # noqa: F403
from .wrappers import *  # noqa: F403
