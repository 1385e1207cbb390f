from meaningful.cli import main

main()
