terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # v6: the SECRET_HASH endpoint's function URL needs lambda:InvokeFunction granted with
      # invoked_via_function_url (AWS requires both permissions on new function URLs), which v5
      # does not have. The tests check against the schema of 6.66.0: nothing older was checked.
      version = ">= 6.66.0, < 7.0.0"
    }
  }
}
