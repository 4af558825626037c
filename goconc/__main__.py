from goconc.analyzer.cli import main

main()
