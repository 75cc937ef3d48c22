import FileOutput

/// A file the reports module could not read or write (the shared ``FileOutput/FileError``).
public typealias ReportFileError = FileError
