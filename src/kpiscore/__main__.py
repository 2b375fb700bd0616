from kpiscore.cli import main

main()
