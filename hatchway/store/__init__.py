"""Storage: SQLAlchemy 2 models, the database handle, migrations, the job queue."""

from hatchway.store.database import Database, mask_url

__all__ = ["Database", "mask_url"]
