from goconc.cli.main import main

main()
