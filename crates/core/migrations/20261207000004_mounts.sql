-- Mounts and serves the user set up (issue 26). The spec is the JSON of rcmd_types'
-- MountSpec / ServeSpec; serve passwords live in the secret store, never here.
CREATE TABLE mounts (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL
);
CREATE TABLE serves (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL
);
