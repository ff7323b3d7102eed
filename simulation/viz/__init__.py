"""Browser visualizer: views, controls and the offline server behind ``partnership viz``."""
