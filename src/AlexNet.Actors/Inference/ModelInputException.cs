namespace AlexNet.Actors.Inference;

/// <summary>
/// A checkpoint, weights file, dataset or image that cannot be used as given. The message is one
/// line naming the thing and what was expected, fit to print as the program's only error line.
/// </summary>
public sealed class ModelInputException(string message) : Exception(message);
