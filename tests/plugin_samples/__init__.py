"""Small plugin modules that the plugin tests load through real ``ecohub`` entry points."""
