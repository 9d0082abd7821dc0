from cleaner.cli.app import main

main()
