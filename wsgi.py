from wnwa import create_app

app = create_app()
