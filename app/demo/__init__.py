"""Demo content: accounts, the demo standard and its rounds, kept as data files in data/.

The demo is a client of the services like any user: app.demo.loader loads it.
"""
