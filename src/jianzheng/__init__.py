"""jianzheng (见证): witnessed electronic tendering and smart supervision."""
