"""The reviewer's workspace: a server-rendered web app over the state database (issue 6)."""
